//! Which alerts an organisation may see, as SQL conditions that lists,
//! the dashboard and the analysis share (one rule, one place).

/// Which of this node's alerts (alias `a`) the organisation with id `$1` and
/// slug `$2` sees: all of its own; of other organisations only released ones
/// (open or closed), and restricted ones only when named. The rule of
/// `services::alerts::visible_to`, in SQL for lists.
pub(crate) const OWN_ALERTS: &str = "(a.org_id = $1 OR (a.status IN ('open', 'closed') \
     AND (a.audience <> 'restricted' OR EXISTS \
     (SELECT 1 FROM alert_named_orgs n WHERE n.alert_id = a.id AND n.org_ref = $2))))";

/// Which received alerts (alias `r`) the organisation with id `$1` sees: not
/// withdrawn, and restricted ones only when they name it. The rule of
/// `services::remote_alerts::may_see`, in SQL for lists.
pub(crate) const RECEIVED_ALERTS: &str = "(r.deleted_at IS NULL AND (r.sharing <> 'restricted' OR EXISTS \
     (SELECT 1 FROM remote_alert_recipients x WHERE x.alert_id = r.id AND x.org_id = $1)))";

/// Which solidarity actions (alias `s`) on an alert the organisation with id
/// `$1` sees, with `a` the alert's row when it is one of ours (else NULL):
/// every response when it wrote the alert; its own; offers of support only
/// where the alert's author chose it; others' responses when they are
/// shared. The rule of `services::actions` (`sees`), in SQL for counts.
pub(crate) const ACTIONS_SEEN: &str = "(a.org_id = $1 OR s.org_id = $1 \
     OR (s.kind = 'support_offer' AND EXISTS \
     (SELECT 1 FROM alert_offer_viewers w WHERE w.alert_id = a.id AND w.org_id = $1)) \
     OR (s.kind <> 'support_offer' AND s.shareable = 1))";
