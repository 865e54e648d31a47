//! Which alerts an organisation may see, as SQL conditions that lists and
//! the dashboard share (one rule, one place; the analysis keeps the same
//! rule for each alert, `db::analysis`'s visibility).

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
