## The network-wide picture (/analysis/network) and publishing counts (/organisation)

network-analysis-title = Across the network
network-analysis-intro = What organisations across the network publish of their own alerts, added up: counts only, never records, never names. Each organisation chooses to publish. Any count below { $threshold } is shown as “<{ $threshold }”, and so is a sum that could be below it.
network-analysis-back = Back to the analysis of the alerts you may see
network-analysis-ranges = Where a part is protected, the sum is shown as a range (“6–9”), a bound (“≥3”, “≤4”) or “<3”: it is never narrower than what each organisation published.
network-analysis-chart-caption = The bars show the sums known exactly; sums shown as a range are in the table only.
network-analysis-contributors = Who contributed
network-analysis-none = No organisation publishes its counts yet.
network-analysis-organisation = Organisation
network-analysis-node = Node
network-analysis-generated = Counts made
network-analysis-live = Now (this node)
org-aggregates-heading = Counts published to the network
org-aggregates-intro = Your organisation can publish counts of its own published alerts (by violation, perpetrator, sector, right, country, kind of defender and month) to the nodes this node federates with, signed with its key, so that the network can see the whole picture. Never records, never names; any count below { $threshold } is published as “<{ $threshold }”.
org-aggregates-on = Your organisation publishes its counts.
org-aggregates-off = Your organisation does not publish its counts.
org-aggregates-start = Publish our counts
org-aggregates-stop = Stop publishing and withdraw them
org-aggregates-picture = See the picture across the network
