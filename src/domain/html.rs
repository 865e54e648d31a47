//! HTML that staff and other nodes write (alert bodies, statements), made
//! safe to show in a page.

/// Sanitises HTML for our pages: ammonia's defaults (no script, handler,
/// `javascript:` link, frame or style), and no images either. Pages load
/// nothing from other hosts, so an image in a statement or a body could only
/// show as a broken box, and it would carry no text for screen readers.
pub fn for_page(html: &str) -> String {
    ammonia::Builder::default().rm_tags(&["img"]).clean(html).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn images_and_scripts_are_removed_and_text_kept() {
        let cleaned = super::for_page(
            "<p>We stand <em>with</em> them.</p><img src=\"x\" onerror=\"alert(1)\"><script>alert(2)</script>",
        );
        assert_eq!(cleaned, "<p>We stand <em>with</em> them.</p>");
    }
}
