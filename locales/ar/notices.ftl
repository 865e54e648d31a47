# إشعارات البريد الإلكتروني (تُرسل إلى العاملين؛ الموضوع والجزآن).
notice-network-alert = تنبيه من الشبكة يطابق إشعاراتك.
notice-local-alert = تنبيه من منظمة أخرى على هذه العقدة يطابق إشعاراتك.
notice-review-requested = تنبيه من منظمتك ينتظر المراجعة.
notice-returned-to-draft = أُعيد تنبيه من منظمتك إلى من صاغوه.
notice-published = نُشر تنبيه من منظمتك.
notice-subject = { $number }: { $title }
notice-subject-limited = تنبيه { $number }
notice-limited = جمهور هذا التنبيه محدود، فلا تحمل هذه الرسالة شيئًا منه: افتحه على العقدة لقراءته.
notice-urgency = الاستعجال
notice-country = البلد
notice-open = افتح التنبيه
notice-why = تصلك هذه الرسالة بحسب إعدادات إشعاراتك على { $node }. غيّرها في صفحة حسابك:
notice-digest-subject = ملخصك اليومي: { $count } من الإشعارات
notice-digest-intro = ما أُبلغت به منذ ملخصك الأخير:
