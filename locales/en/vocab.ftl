# The labels and short explanations of every controlled vocabulary.

## Where an alert stands
status-draft = Draft
status-draft-help = Being written; only your organisation can see it.
status-in_review = In review
status-in_review-help = Submitted and waiting for a coordinator to check and publish it.
status-open = Open
status-open-help = Published; the defenders still need support.
status-closed = Closed
status-closed-help = Finished; the alert stays readable, with how it ended.
status-withdrawn = Withdrawn
status-withdrawn-help = Taken down, for example because consent was withdrawn; its content is no longer shown to others.

## Staff roles
role-viewer = Viewer
role-viewer-help = Can read alerts, but cannot write or change anything.
role-member = Member
role-member-help = Can also draft alerts, edit drafts and submit them for review.
role-coordinator = Coordinator
role-coordinator-help = Can also publish alerts, widen who sees them, edit published alerts, and close or withdraw them.
role-admin = Admin
role-admin-help = Can also manage the organisation's staff accounts and read its audit log.

## Who may see an alert
audience-node = This node only
audience-node-help = Only staff of the organisations hosted on this node see the alert; it is not sent to other nodes.
audience-restricted = Named organisations
audience-restricted-help = Only the organisations named in the alert receive it, on this node or on others.
audience-trusted = Trusted nodes
audience-trusted-help = Organisations on this node and on the nodes it trusts most receive the alert.
audience-network = Whole network
audience-network-help = Every organisation on this node and on all nodes connected to it receives the alert.
audience-public = Public
audience-public-help = Anyone can read the alert on the web, and the whole network receives it.

## How far this node trusts another node
trust-blocked = Blocked
trust-blocked-help = This node refuses everything from that node and sends it nothing.
trust-pending = Awaiting a decision
trust-pending-help = No decision yet; that node can only ask to federate.
trust-connected = Connected
trust-connected-help = The two nodes exchange alerts shared with the whole network.
trust-trusted = Trusted
trust-trusted-help = That node also receives alerts meant only for trusted nodes.

## Another node's answer to this node's request to federate
their-answer-none = Not asked
their-answer-none-help = This node has not asked that node to federate.
their-answer-requested = Asked
their-answer-requested-help = This node asked to federate and is waiting for an answer.
their-answer-accepted = Accepted
their-answer-accepted-help = That node agreed to federate with this one.
their-answer-rejected = Refused
their-answer-rejected-help = That node declined to federate with this one.

## Sending one message to one other node
delivery-state-pending = Waiting to be sent
delivery-state-pending-help = The message is queued and will be sent, or tried again, shortly.
delivery-state-delivered = Delivered
delivery-state-delivered-help = The other node confirmed that it received the message.
delivery-state-failed = Failed
delivery-state-failed-help = The message was not delivered and will not be tried again.

## What each step in an alert's history did
history-action-created = Created
history-action-created-help = The alert was first written as a draft.
history-action-edited = Edited
history-action-edited-help = The alert's content was changed.
history-action-consent_recorded = Consent recorded
history-action-consent_recorded-help = The defenders' consent was recorded again, given anew or more widely.
history-action-submitted = Submitted for review
history-action-submitted-help = The draft was sent to a coordinator to check.
history-action-returned_to_draft = Returned to draft
history-action-returned_to_draft-help = A coordinator sent the alert back to be reworked.
history-action-published = Published
history-action-published-help = The alert was released to its audience.
history-action-closed = Closed
history-action-closed-help = The alert was ended and its outcome recorded.
history-action-withdrawn = Withdrawn
history-action-withdrawn-help = The organisation took the alert down.
history-action-consent_withdrawn = Consent withdrawn
history-action-consent_withdrawn-help = The defenders withdrew their consent, so the alert was taken down.

## How soon action is needed (CAP urgency)
urgency-immediate = Immediate
urgency-immediate-help = Action should be taken now.
urgency-expected = Expected soon
urgency-expected-help = Action should be taken soon, within about the next hour.
urgency-future = In the future
urgency-future-help = Action should be taken in the near future.
urgency-past = Past
urgency-past-help = Action is no longer needed.
urgency-unknown = Unknown
urgency-unknown-help = How soon action is needed is not known.

## How serious the threat is (CAP severity)
severity-extreme = Extreme
severity-extreme-help = An extraordinary threat to life or safety.
severity-severe = Severe
severity-severe-help = A significant threat to life or safety.
severity-moderate = Moderate
severity-moderate-help = A possible threat to life or safety.
severity-minor = Minor
severity-minor-help = Little or no known threat to life or safety.
severity-unknown = Unknown
severity-unknown-help = How serious the threat is is not known.

## How sure the information is (CAP certainty)
certainty-confirmed = Confirmed
certainty-confirmed-help = Verified to have happened or to be going on.
certainty-likely = Likely
certainty-likely-help = More likely than not (over about one chance in two).
certainty-possible = Possible
certainty-possible-help = Possible, but not likely (one chance in two or less).
certainty-unlikely = Unlikely
certainty-unlikely-help = Not expected to happen.
certainty-unknown = Unknown
certainty-unknown-help = How sure the information is is not known.

## Who the defenders are
defender-kind-individual = Individual
defender-kind-individual-help = One person defending human rights.
defender-kind-organisation = Organisation
defender-kind-organisation-help = A group with a name and a structure, such as an association or a union.
defender-kind-community = Community
defender-kind-community-help = A community, such as an indigenous people or a village, defending its rights together.
defender-kind-movement = Movement
defender-kind-movement-help = A wider movement or campaign that is not one organisation.

## How the defenders relate to the network
defender-relationship-member = Network member
defender-relationship-member-help = The defender is, or belongs to, a member organisation of the network.
defender-relationship-close_partner = Close partner
defender-relationship-close_partner-help = The defender works closely with the network without being a member.
defender-relationship-other = Other
defender-relationship-other-help = The defender has no close tie to the network.

## What the defenders agreed their case may be used for
consent-use-public_appeal = Public appeal
consent-use-public_appeal-help = The defender agreed that their case may be published for anyone to read.
consent-use-private_advocacy = Private advocacy
consent-use-private_advocacy-help = The defender agreed that their case may be shared within the network, but not published.
consent-use-named_addressees_only = Named organisations only
consent-use-named_addressees_only-help = The defender agreed that their case may be shared only with the organisations named in the alert.
consent-use-anonymised = Anonymised
consent-use-anonymised-help = The defender agreed that their case may be used only without their name or anything else that identifies them.

## What happened to the defenders
violation-type-killing = Killing
violation-type-killing-help = The defender was killed.
violation-type-attempted_killing = Attempted killing
violation-type-attempted_killing-help = Someone tried to kill the defender, who survived.
violation-type-death_threat = Death threat
violation-type-death_threat-help = The defender was threatened with death.
violation-type-threat_intimidation = Threats and intimidation
violation-type-threat_intimidation-help = The defender was threatened or intimidated in other ways, to make them stop their work.
violation-type-physical_attack = Physical attack
violation-type-physical_attack-help = The defender was beaten, injured or otherwise physically attacked.
violation-type-sexual_gender_based_violence = Sexual and gender-based violence
violation-type-sexual_gender_based_violence-help = Sexual violence, or violence aimed at someone because of their gender, or threats of it.
violation-type-abduction = Abduction
violation-type-abduction-help = The defender was taken and held against their will.
violation-type-enforced_disappearance = Enforced disappearance
violation-type-enforced_disappearance-help = The defender was taken by state agents, or with the state's support, who deny it or hide where they are.
violation-type-arbitrary_arrest_detention = Arbitrary arrest or detention
violation-type-arbitrary_arrest_detention-help = The defender was arrested or held without a lawful reason or a fair procedure.
violation-type-torture_ill_treatment = Torture or ill-treatment
violation-type-torture_ill_treatment-help = The defender was tortured or subjected to cruel, inhuman or degrading treatment.
violation-type-judicial_harassment = Judicial harassment
violation-type-judicial_harassment-help = Lawsuits, charges or investigations are used to silence the defender.
violation-type-smear_campaign = Smear campaign
violation-type-smear_campaign-help = The defender is publicly defamed or labelled, for example as a terrorist or a traitor, to discredit them.
violation-type-surveillance = Surveillance
violation-type-surveillance-help = The defender is watched or followed, or their communications are monitored.
violation-type-raid_seizure = Raid or seizure
violation-type-raid_seizure-help = A home or office was searched by force, or belongings, files or devices were taken.
violation-type-online_attack = Online attack
violation-type-online_attack-help = Hacking, online harassment or campaigns against the defender on the internet.
violation-type-travel_ban = Travel ban
violation-type-travel_ban-help = The defender is prevented from leaving or entering a country.
violation-type-forced_eviction_displacement = Forced eviction or displacement
violation-type-forced_eviction_displacement-help = The defender or their community was forced out of their home or off their land.
violation-type-land_property_confiscation = Confiscation of land or property
violation-type-land_property_confiscation-help = Land or property of the defender or their community was taken from them.
violation-type-office_closure_deregistration = Office closure or deregistration
violation-type-office_closure_deregistration-help = An organisation was closed, lost its legal registration, or was barred from working.
violation-type-protest_repression = Repression of a protest
violation-type-protest_repression-help = A peaceful protest or gathering was banned, broken up or met with force.
violation-type-dismissal_anti_union_reprisal = Dismissal or anti-union reprisal
violation-type-dismissal_anti_union_reprisal-help = The defender lost their job, or was punished, for union work or for speaking out at work.
violation-type-reprisal_against_family = Reprisal against family
violation-type-reprisal_against_family-help = Relatives of the defender were targeted because of the defender's work.
violation-type-other = Other
violation-type-other-help = A violation that none of the other types describes.

## Who is responsible
perpetrator-category-state_executive = Government or state authority
perpetrator-category-state_executive-help = The government, a ministry or another executive authority, national or local.
perpetrator-category-legislature = Legislature
perpetrator-category-legislature-help = A parliament or another law-making body, for example through a restrictive law.
perpetrator-category-judiciary = Judiciary
perpetrator-category-judiciary-help = Courts, judges or prosecutors.
perpetrator-category-police_military = Police or military
perpetrator-category-police_military-help = The police, the armed forces or other state security forces.
perpetrator-category-paramilitary = Paramilitary group
perpetrator-category-paramilitary-help = An armed group acting outside the law, often with the support or tolerance of the state.
perpetrator-category-private_security = Private security
perpetrator-category-private_security-help = Guards or security companies hired by a company or a private person.
perpetrator-category-corporation = Company
perpetrator-category-corporation-help = A business, or people acting on its behalf.
perpetrator-category-landowner = Landowner
perpetrator-category-landowner-help = A private owner of land, or people acting on their behalf.
perpetrator-category-international_financial_institution = International financial institution
perpetrator-category-international_financial_institution-help = A development bank or lender, such as the World Bank, or a project it finances.
perpetrator-category-mob = Mob
perpetrator-category-mob-help = A crowd or group of people not acting for any organised body.
perpetrator-category-unknown = Unknown
perpetrator-category-unknown-help = Who is responsible is not known.

## How a perpetrator is linked to the attack
involvement-carried_out = Carried out
involvement-carried_out-help = Took part directly in the attack.
involvement-ordered = Ordered
involvement-ordered-help = Ordered or planned the attack that others carried out.
involvement-complicit = Complicit
involvement-complicit-help = Helped, paid for or allowed the attack without carrying it out.
involvement-suspected = Suspected
involvement-suspected-help = Believed to be responsible, but this is not yet established.

## Business sectors linked to the attack
business-sector-mining = Mining
business-sector-mining-help = Extraction of minerals and metals, and quarrying.
business-sector-hydro_renewables = Hydropower and renewable energy
business-sector-hydro_renewables-help = Dams, and wind, solar or other renewable energy projects.
business-sector-oil_gas_coal = Oil, gas and coal
business-sector-oil_gas_coal-help = Extraction, transport and processing of fossil fuels.
business-sector-agribusiness = Agribusiness
business-sector-agribusiness-help = Large-scale farming, plantations and livestock, such as palm oil, sugar or soy.
business-sector-logging = Logging
business-sector-logging-help = Cutting and trade of timber.
business-sector-construction = Construction and infrastructure
business-sector-construction-help = Roads, ports, buildings and other large infrastructure projects.
business-sector-other = Other
business-sector-other-help = A business sector not listed here.

## Rights the defenders were defending
right-land = Land rights
right-land-help = The right of people and communities to own, use and keep their land.
right-housing = Right to housing
right-housing-help = The right to adequate housing, and protection from forced eviction.
right-food = Right to food
right-food-help = The right to enough adequate food, or the means to obtain it.
right-water = Right to water and sanitation
right-water-help = The right to enough safe water for personal and household use, and to sanitation.
right-health = Right to health
right-health-help = The right to the best attainable health, and to health care.
right-environment = Right to a healthy environment
right-environment-help = The right to a clean, healthy and sustainable environment.
right-work_unions = Labour and trade union rights
right-work_unions-help = Rights at work, including fair conditions and forming or joining trade unions.
right-culture = Cultural rights
right-culture-help = The right to take part in cultural life and to keep one's language, traditions and identity.
right-natural_resources_self_determination = Self-determination and natural resources
right-natural_resources_self_determination-help = The right of peoples to decide their own development and to control their natural resources.
right-expression = Freedom of expression
right-expression-help = The freedom to seek, receive and share information and opinions.
right-assembly_association = Freedom of assembly and association
right-assembly_association-help = The freedom to gather peacefully and to form or join associations.

## What member organisations are asked to do
requested-action-kind-letter = Letter
requested-action-kind-letter-help = Send a letter to the addressees, usually based on the model text.
requested-action-kind-statement = Public statement
requested-action-kind-statement-help = Publish a statement about the case in your organisation's name.
requested-action-kind-call = Phone call
requested-action-kind-call-help = Call the addressees to raise the case with them.
requested-action-kind-social_media = Social media
requested-action-kind-social_media-help = Share the case on social media.
requested-action-kind-visit = Visit
requested-action-kind-visit-help = Visit the defender, or meet the authorities or an embassy about the case.
requested-action-kind-trial_observation = Trial observation
requested-action-kind-trial_observation-help = Attend the defender's hearings as an observer.
requested-action-kind-other = Other
requested-action-kind-other-help = Another action, described in the alert.

## Whom the actions are addressed to
addressee-kind-government = Government
addressee-kind-government-help = A ministry, a state authority or a public official.
addressee-kind-company = Company
addressee-kind-company-help = A company involved in the case.
addressee-kind-investor = Investor
addressee-kind-investor-help = A bank, fund or shareholder that finances or owns a company involved.
addressee-kind-un_mechanism = UN mechanism
addressee-kind-un_mechanism-help = A UN special procedure, treaty body, or the Office of the High Commissioner for Human Rights.
addressee-kind-regional_mechanism = Regional mechanism
addressee-kind-regional_mechanism-help = A regional human rights body, such as the African or Inter-American Commission.
addressee-kind-embassy = Embassy
addressee-kind-embassy-help = A foreign embassy or its diplomats in the country.
addressee-kind-other = Other
addressee-kind-other-help = Another addressee, named in the alert.

## How an alert ended
outcome-defender_safe = Defender safe
outcome-defender_safe-help = The defender is out of immediate danger.
outcome-released = Released
outcome-released-help = The defender was released from detention or captivity.
outcome-charges_dropped = Charges dropped
outcome-charges_dropped-help = The charges or proceedings against the defender were dropped.
outcome-threat_continues = Threat continues
outcome-threat_continues-help = The alert is closed, but the defender is still in danger.
outcome-killed = Killed
outcome-killed-help = The defender was killed.
outcome-disappeared = Disappeared
outcome-disappeared-help = The defender is still missing, and where they are is not known.
outcome-other = Other
outcome-other-help = Another outcome, described in the closing note.
