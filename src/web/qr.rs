//! QR codes for enrolling an authenticator app, drawn by the node itself as
//! inline SVG: the secret never goes to an outside service, and an inline
//! `<svg>` needs nothing the pages' Content-Security-Policy forbids.

use maud::{Markup, PreEscaped, html};
use qrcode::QrCode;
use qrcode::render::svg;

/// The QR code of `data` (an `otpauth://` URI), as an image named `label`
/// for screen readers; `None` if the data is too long for a QR code.
pub(super) fn qr_code(data: &str, label: &str) -> Option<Markup> {
    let code = QrCode::new(data.as_bytes()).ok()?;
    let drawing = code
        .render::<svg::Color>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    // An XML declaration is not allowed inside an HTML document.
    let drawing = match drawing.find("<svg") {
        Some(start) => drawing[start..].to_string(),
        None => return None,
    };
    // The renderer writes a fixed `<svg …>` whose only variable parts are
    // numbers; the label is escaped by maud around it.
    Some(html! {
        figure.qr role="img" aria-label=(label) {
            (PreEscaped(drawing))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_becomes_an_inline_svg_without_declaration() {
        let markup = qr_code(
            "otpauth://totp/Tadamun:amal?secret=JBSWY3DPEHPK3PXP&issuer=Tadamun",
            "QR",
        )
        .unwrap()
        .into_string();
        assert!(
            markup.starts_with("<figure class=\"qr\" role=\"img\" aria-label=\"QR\"><svg"),
            "{markup}"
        );
        assert!(!markup.contains("<?xml"));
        assert!(markup.contains("<path"), "the modules are drawn: {markup}");
        assert!(qr_code(&"x".repeat(8000), "QR").is_none(), "too long for any QR code");
    }
}
