# Email notices (sent to staff members; the subject and both parts).
notice-network-alert = An alert from the network matches your notices.
notice-local-alert = An alert of another organisation on this node matches your notices.
notice-review-requested = An alert of your organisation awaits review.
notice-returned-to-draft = An alert of your organisation was returned to its drafters.
notice-published = An alert of your organisation was published.
notice-subject = { $number }: { $title }
notice-subject-limited = Alert { $number }
notice-limited = This alert's audience is limited, so this message carries nothing of it: open it on the node to read it.
notice-urgency = Urgency
notice-country = Country
notice-open = Open the alert
notice-why = You receive this because of your notice settings on { $node }. Change them on your account page:
notice-digest-subject = Your daily digest: { $count } notices
notice-digest-intro = What you were told of since your last digest:
