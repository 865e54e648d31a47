//! What the demo network holds: three member nodes in three regions, their
//! organisations and staff, how far they trust each other, two groups, and
//! alerts and solidarity actions in the network's four working languages.
//! Every organisation, person, company and place-name here is invented.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::domain::vocab::{GroupKind, Role, Trust};

/// Every demo account's password (the demo is on loopback only).
pub const PASSWORD: &str = "solidarity-demo-2026";

pub struct NodePlan {
    /// How the node is named in what the command prints: A, B, C.
    pub letter: char,
    pub region: &'static str,
    pub orgs: &'static [OrgPlan],
}

pub struct OrgPlan {
    pub slug: &'static str,
    pub name: &'static str,
    pub alert_prefix: &'static str,
    pub people: &'static [Person],
}

pub struct Person {
    pub username: &'static str,
    pub name: &'static str,
    pub role: Role,
}

const fn person(username: &'static str, name: &'static str, role: Role) -> Person {
    Person { username, name, role }
}

/// The first admin of each node is also its operator (as with
/// `tadamun admin create-user` on a new node): it creates the node's groups.
pub const NODES: &[NodePlan] = &[
    NodePlan {
        letter: 'A',
        region: "Andes",
        orgs: &[
            OrgPlan {
                slug: "red-andina",
                name: "Red Andina por los Derechos Humanos",
                alert_prefix: "RA",
                people: &[
                    person("lucia", "Lucía Mamani", Role::Admin),
                    person("mateo", "Mateo Quispe", Role::Coordinator),
                    person("sofia", "Sofía Torres", Role::Member),
                ],
            },
            OrgPlan {
                slug: "tierra-viva",
                name: "Tierra Viva, defensa del territorio",
                alert_prefix: "TV",
                people: &[
                    person("rosa", "Rosa Huamán", Role::Coordinator),
                    person("diego", "Diego Ccori", Role::Member),
                ],
            },
        ],
    },
    NodePlan {
        letter: 'B',
        region: "Sahel",
        orgs: &[OrgPlan {
            slug: "osd-sahel",
            name: "Observatoire sahélien des défenseur·es",
            alert_prefix: "OSD",
            people: &[
                person("aminata", "Aminata Diallo", Role::Admin),
                person("moussa", "Moussa Coulibaly", Role::Coordinator),
                person("awa", "Awa Sangaré", Role::Member),
            ],
        }],
    },
    NodePlan {
        letter: 'C',
        region: "Mashreq",
        orgs: &[OrgPlan {
            slug: "mashreq-wd",
            name: "Mashreq Women Defenders Network",
            alert_prefix: "MWD",
            people: &[
                person("layla", "Layla Haddad", Role::Admin),
                person("nour", "Nour Khalil", Role::Coordinator),
                person("rana", "Rana Saleh", Role::Member),
            ],
        }],
    },
];

/// Who asks whom to federate (by node index), and the level both sides set.
pub const PEERINGS: &[(usize, usize, Trust)] = &[
    (0, 1, Trust::Trusted),
    (0, 2, Trust::Connected),
    (1, 2, Trust::Connected),
];

/// An organisation by node index and slug.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct OrgRef {
    pub node: usize,
    pub slug: &'static str,
}

const fn org(node: usize, slug: &'static str) -> OrgRef {
    OrgRef { node, slug }
}

/// A staff member by node index and username.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct StaffRef {
    pub node: usize,
    pub username: &'static str,
}

const fn staff(node: usize, username: &'static str) -> StaffRef {
    StaffRef { node, username }
}

pub struct GroupPlan {
    pub node: usize,
    pub slug: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub kind: GroupKind,
    pub languages: &'static [&'static str],
    /// A node operator, who creates the group.
    pub created_by: StaffRef,
    /// The moderating organisation (on the group's node) and the coordinator
    /// who decides on requests to join.
    pub moderator: OrgRef,
    pub decided_by: StaffRef,
    /// Who asks to join, each for their organisation, in this order.
    pub joined_by: &'static [StaffRef],
}

pub const GROUPS: &[GroupPlan] = &[
    GroupPlan {
        node: 0,
        slug: "land-environment",
        name: "Land and environmental defenders",
        description: "Member organisations working with communities that defend land, water and territory \
                      against extractive and agribusiness projects.",
        kind: GroupKind::Working,
        languages: &["en", "es", "fr", "ar"],
        created_by: staff(0, "lucia"),
        moderator: org(0, "tierra-viva"),
        decided_by: staff(0, "rosa"),
        joined_by: &[staff(0, "rosa"), staff(1, "moussa"), staff(2, "nour")],
    },
    GroupPlan {
        node: 1,
        slug: "sahel-mena",
        name: "Sahel, North Africa and Middle East",
        description: "Regional coordination of urgent responses for defenders in the Sahel, North Africa \
                      and the Middle East.",
        kind: GroupKind::Regional,
        languages: &["fr", "ar", "en"],
        created_by: staff(1, "aminata"),
        moderator: org(1, "osd-sahel"),
        decided_by: staff(1, "moussa"),
        joined_by: &[staff(1, "moussa"), staff(2, "nour")],
    },
];

/// A group by its index in [`GROUPS`].
pub type GroupIndex = usize;

pub struct AlertPlan {
    pub author: StaffRef,
    /// Published by this coordinator (the author drafts and submits).
    pub published_by: StaffRef,
    pub restricted_to: &'static [OrgRef],
    pub groups: &'static [GroupIndex],
    /// The alert as the API takes it, without `restricted_to` and `groups`
    /// (they name other nodes' addresses, known once the nodes listen).
    pub body: Value,
}

/// The protection fund's organisation, named on the restricted alert.
const RED_ANDINA: OrgRef = org(0, "red-andina");

/// An alert by its index in what [`alerts`] returns.
pub type AlertIndex = usize;

pub struct ActionPlan {
    pub by: StaffRef,
    pub on: AlertIndex,
    pub body: Value,
}

fn date(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Consent recorded some days ago.
fn consent(now: DateTime<Utc>, given_by: &str, uses: &[&str]) -> Value {
    json!({"given_by": given_by, "given_at": date(now - Duration::days(3)), "allowed_uses": uses})
}

/// The demo's alerts, each published by its organisation: two per node, at
/// every audience, in English, Arabic, French and Spanish.
pub fn alerts(now: DateTime<Utc>) -> Vec<AlertPlan> {
    let in_days = |days: i64| date(now + Duration::days(days));
    vec![
        AlertPlan {
            author: staff(0, "diego"),
            published_by: staff(0, "rosa"),
            restricted_to: &[],
            groups: &[0],
            body: json!({
                "title": {
                    "en": "Death threats against Ccollpa community leaders opposing a copper mine",
                    "es": "Amenazas de muerte contra dirigentes de Ccollpa que se oponen a una mina de cobre",
                    "fr": "Menaces de mort contre des dirigeant·es de Ccollpa opposé·es à une mine de cuivre",
                    "ar": "تهديدات بالقتل ضد قادة مجتمع كولبا المعارضين لمنجم نحاس"
                },
                "summary": {
                    "en": "Guards of a mining company threatened to kill two community leaders after the community voted against the Qori Urqu expansion.",
                    "es": "Guardias de una empresa minera amenazaron de muerte a dos dirigentes tras el voto comunal contra la ampliación Qori Urqu.",
                    "fr": "Des gardes d'une entreprise minière ont menacé de mort deux dirigeant·es après le vote communal contre l'extension Qori Urqu.",
                    "ar": "هدد حراس شركة تعدين بقتل اثنين من قادة المجتمع بعد أن صوّت المجتمع ضد توسعة مشروع قوري أوركو."
                },
                "body": {
                    "en": "<p>On the night after the community assembly, armed guards stopped Juana Ccahuana on the road to Ccollpa and told her she would not live to see the next assembly. Leaflets calling the leaders <em>terrorists</em> appeared the same week.</p><p>The community has filed a complaint; no protection measures have been granted.</p>",
                    "es": "<p>La noche siguiente a la asamblea comunal, guardias armados detuvieron a Juana Ccahuana en el camino a Ccollpa y le dijeron que no viviría para ver la próxima asamblea. Esa misma semana aparecieron volantes que llaman <em>terroristas</em> a los dirigentes.</p><p>La comunidad presentó una denuncia; no se han otorgado medidas de protección.</p>",
                    "fr": "<p>La nuit suivant l'assemblée communale, des gardes armés ont arrêté Juana Ccahuana sur la route de Ccollpa et lui ont dit qu'elle ne vivrait pas jusqu'à la prochaine assemblée. Des tracts qualifiant les dirigeant·es de <em>terroristes</em> sont apparus la même semaine.</p><p>La communauté a porté plainte ; aucune mesure de protection n'a été accordée.</p>",
                    "ar": "<p>في الليلة التالية للجمعية المجتمعية، أوقف حراس مسلحون خوانا كاهوانا على الطريق إلى كولبا وقالوا لها إنها لن تعيش حتى الجمعية القادمة. وفي الأسبوع نفسه ظهرت منشورات تصف القادة بأنهم <em>إرهابيون</em>.</p><p>قدّم المجتمع شكوى، ولم تُمنح أي تدابير حماية حتى الآن.</p>"
                },
                "link_to_work": {
                    "en": "Both lead the community's legal defence of its water sources against the mine's expansion.",
                    "es": "Ambos encabezan la defensa legal de las fuentes de agua de la comunidad frente a la ampliación minera."
                },
                "urgency": "immediate", "severity": "severe", "certainty": "confirmed",
                "country": "PE", "region": "Apurímac", "place": "Road between Ccollpa and the district capital",
                "defenders": [
                    {"name": "Juana Ccahuana", "kind": "individual", "woman_defender": true, "relationship": "close_partner"},
                    {"name": "Comunidad campesina de Ccollpa", "kind": "community", "relationship": "close_partner"}
                ],
                "violation_types": ["death_threat", "smear_campaign"],
                "perpetrators": [
                    {"category": "private_security", "involvement": "carried_out"},
                    {"category": "corporation", "involvement": "suspected"}
                ],
                "business_link": {"sector": "mining", "company": "Minera Cordillera Sur S.A.C.", "project": "Qori Urqu expansion"},
                "rights_concerned": ["land", "water", "environment"],
                "requested_actions": [{
                    "kind": "letter",
                    "description": {"en": "Write to the prosecutor and the company.", "es": "Escriba a la fiscalía y a la empresa."},
                    "addressees": [
                        {"name": "Provincial Prosecutor", "institution": "Fiscalía Provincial de Abancay", "kind": "government"},
                        {"name": "Chief Executive", "institution": "Minera Cordillera Sur S.A.C.", "kind": "company"}
                    ],
                    "model_text": {
                        "en": "We urge you to investigate the threats against Juana Ccahuana and the Ccollpa community and to grant them protection.",
                        "es": "Les instamos a investigar las amenazas contra Juana Ccahuana y la comunidad de Ccollpa y a otorgarles protección.",
                        "fr": "Nous vous demandons d'enquêter sur les menaces contre Juana Ccahuana et la communauté de Ccollpa et de leur accorder une protection.",
                        "ar": "نحثكم على التحقيق في التهديدات الموجهة إلى خوانا كاهوانا ومجتمع كولبا وعلى منحهم الحماية."
                    },
                    "deadline": in_days(21)
                }],
                "audience": "public",
                "consent": consent(now, "Juana Ccahuana and the community assembly", &["public_appeal", "private_advocacy"]),
                "local_only": {"contacts": "Community radio, evening calls only"}
            }),
        },
        AlertPlan {
            author: staff(0, "sofia"),
            published_by: staff(0, "mateo"),
            restricted_to: &[],
            groups: &[],
            body: json!({
                "title": {
                    "en": "Lawyer for Afro-Ecuadorian communities charged after challenging palm oil expansion",
                    "es": "Abogado de comunidades afroecuatorianas procesado tras impugnar la expansión de palma aceitera",
                    "fr": "Un avocat de communautés afro-équatoriennes poursuivi après avoir contesté l'expansion du palmier à huile",
                    "ar": "توجيه تهم لمحامٍ يدافع عن مجتمعات أفرو-إكوادورية بعد طعنه في توسع زراعة نخيل الزيت"
                },
                "summary": {
                    "en": "Andrés Valencia faces criminal charges of 'instigation' brought by a plantation company; the first hearing is in three weeks.",
                    "es": "Andrés Valencia enfrenta cargos penales por «instigación» presentados por una empresa palmicultora; la primera audiencia es en tres semanas.",
                    "fr": "Andrés Valencia est poursuivi pour « instigation » sur plainte d'une entreprise de plantation ; la première audience a lieu dans trois semaines.",
                    "ar": "يواجه أندريس فالنسيا تهمًا جنائية بـ«التحريض» رفعتها شركة مزارع، وتُعقد الجلسة الأولى بعد ثلاثة أسابيع."
                },
                "body": {
                    "en": "<p>The charges followed a court action in which Andrés represented three communes whose land titles overlap the plantation. He has since noticed being followed from his office.</p>",
                    "es": "<p>Los cargos llegaron tras una acción judicial en la que Andrés representó a tres comunas cuyos títulos se superponen con la plantación. Desde entonces ha notado que lo siguen desde su oficina.</p>",
                    "fr": "<p>Les poursuites font suite à une action en justice dans laquelle Andrés représentait trois communes dont les titres fonciers chevauchent la plantation. Il a depuis remarqué qu'on le suivait depuis son bureau.</p>",
                    "ar": "<p>جاءت التهم بعد دعوى قضائية مثّل فيها أندريس ثلاث بلديات تتداخل سندات ملكية أراضيها مع المزرعة. ومنذ ذلك الحين لاحظ أنه يُتعقَّب من مكتبه.</p>"
                },
                "link_to_work": {
                    "en": "He is the communities' lawyer in the land-title case against the plantation.",
                    "es": "Es el abogado de las comunas en el caso de títulos contra la plantación."
                },
                "urgency": "expected", "severity": "moderate", "certainty": "confirmed",
                "country": "EC", "region": "Esmeraldas",
                "defenders": [{"name": "Andrés Valencia", "kind": "individual", "relationship": "member"}],
                "violation_types": ["judicial_harassment", "surveillance"],
                "perpetrators": [
                    {"category": "corporation", "involvement": "ordered"},
                    {"category": "judiciary", "involvement": "complicit"}
                ],
                "business_link": {"sector": "agribusiness", "company": "Palmas del Pacífico S.A.", "financier": "Fondo Agroinversión Andino"},
                "rights_concerned": ["land", "culture"],
                "requested_actions": [
                    {
                        "kind": "trial_observation",
                        "description": {"en": "Observe the first hearing in Esmeraldas.", "es": "Observar la primera audiencia en Esmeraldas."},
                        "deadline": in_days(20)
                    },
                    {
                        "kind": "letter",
                        "addressees": [{"name": "Attorney General", "institution": "Fiscalía General del Estado", "kind": "government"}],
                        "model_text": {
                            "en": "We ask you to drop charges that punish legitimate legal work on behalf of communities.",
                            "es": "Le pedimos archivar cargos que castigan un trabajo jurídico legítimo en favor de las comunidades."
                        },
                        "deadline": in_days(18)
                    }
                ],
                "audience": "network",
                "consent": consent(now, "Andrés Valencia", &["private_advocacy"])
            }),
        },
        AlertPlan {
            author: staff(1, "awa"),
            published_by: staff(1, "moussa"),
            restricted_to: &[],
            groups: &[],
            body: json!({
                "title": {
                    "fr": "Détention d'un défenseur qui documentait les abus autour d'une mine d'or",
                    "en": "Defender detained after documenting abuses around a gold mine",
                    "es": "Detenido un defensor que documentaba abusos en torno a una mina de oro",
                    "ar": "احتجاز مدافع كان يوثّق الانتهاكات حول منجم ذهب"
                },
                "summary": {
                    "fr": "Ibrahim Sidibé est détenu sans inculpation depuis cinq jours ; sa famille n'a pas pu le voir.",
                    "en": "Ibrahim Sidibé has been held without charge for five days; his family has not been allowed to see him.",
                    "es": "Ibrahim Sidibé lleva cinco días detenido sin cargos; su familia no ha podido verlo.",
                    "ar": "يُحتجز إبراهيم سيديبي دون تهمة منذ خمسة أيام، ولم يُسمح لعائلته برؤيته."
                },
                "body": {
                    "fr": "<p>Ibrahim avait recueilli les témoignages d'orpailleurs expulsés du site. Des gendarmes l'ont arrêté à son domicile et ont saisi son téléphone.</p>",
                    "en": "<p>Ibrahim had gathered testimony from artisanal miners evicted from the site. Gendarmes arrested him at home and seized his phone.</p>",
                    "es": "<p>Ibrahim había recogido testimonios de mineros artesanales expulsados del sitio. Gendarmes lo arrestaron en su casa y le incautaron el teléfono.</p>",
                    "ar": "<p>كان إبراهيم قد جمع شهادات عمّال تنقيب تقليديين طُردوا من الموقع. اعتقله رجال الدرك في منزله وصادروا هاتفه.</p>"
                },
                "link_to_work": {
                    "fr": "Il documente pour l'Observatoire les expulsions liées à la mine.",
                    "en": "He documents evictions linked to the mine for the Observatory."
                },
                "urgency": "immediate", "severity": "severe", "certainty": "confirmed",
                "country": "ML", "region": "Kayes",
                "defenders": [{"name": "Ibrahim Sidibé", "kind": "individual", "relationship": "member"}],
                "violation_types": ["arbitrary_arrest_detention", "raid_seizure"],
                "perpetrators": [{"category": "police_military", "involvement": "carried_out"}],
                "business_link": {"sector": "mining", "company": "Sahel Gold Resources SA"},
                "rights_concerned": ["expression", "natural_resources_self_determination"],
                "requested_actions": [{
                    "kind": "call",
                    "description": {"fr": "Appeler le procureur pour demander sa libération.", "en": "Call the prosecutor to ask for his release."},
                    "addressees": [{"name": "Procureur de la République", "institution": "Tribunal de grande instance de Kayes", "kind": "government"}],
                    "deadline": in_days(7)
                }],
                "audience": "trusted",
                "consent": consent(now, "His family", &["private_advocacy"]),
                "local_only": {"family_details": "Wife and two children, staying with relatives"}
            }),
        },
        AlertPlan {
            author: staff(1, "awa"),
            published_by: staff(1, "moussa"),
            restricted_to: &[],
            groups: &[1],
            body: json!({
                "title": {
                    "fr": "Expulsion forcée d'une communauté de pêcheurs pour l'extension d'un port",
                    "en": "Fishing community forcibly evicted for a port extension",
                    "es": "Desalojo forzoso de una comunidad pesquera por la ampliación de un puerto",
                    "ar": "إخلاء قسري لمجتمع صيادين من أجل توسعة ميناء"
                },
                "summary": {
                    "fr": "Plus de 300 familles de Ndiaréme ont été expulsées sans relogement ; des manifestant·es ont été arrêté·es.",
                    "en": "More than 300 families in Ndiaréme were evicted without resettlement; protesters were arrested.",
                    "es": "Más de 300 familias de Ndiaréme fueron desalojadas sin reasentamiento; hubo manifestantes detenidos.",
                    "ar": "طُردت أكثر من 300 عائلة في نجياريم دون إعادة توطين، واعتُقل متظاهرون."
                },
                "body": {
                    "fr": "<p>Les bulldozers sont arrivés à l'aube. Le comité des pêcheurs, qui négociait un plan de relogement, a vu quatre de ses membres arrêtés lors d'un sit-in devant la préfecture.</p>",
                    "en": "<p>Bulldozers arrived at dawn. The fishers' committee, which was negotiating a resettlement plan, saw four of its members arrested at a sit-in outside the prefecture.</p>",
                    "es": "<p>Las excavadoras llegaron al amanecer. El comité de pescadores, que negociaba un plan de reasentamiento, vio a cuatro de sus miembros detenidos en una sentada frente a la prefectura.</p>",
                    "ar": "<p>وصلت الجرافات عند الفجر. واعتُقل أربعة من أعضاء لجنة الصيادين، التي كانت تتفاوض على خطة لإعادة التوطين، خلال اعتصام أمام المحافظة.</p>"
                },
                "link_to_work": {
                    "fr": "Le comité défend l'accès des familles de pêcheurs à la plage et au logement.",
                    "en": "The committee defends fishing families' access to the shore and to housing."
                },
                "urgency": "immediate", "severity": "moderate", "certainty": "confirmed",
                "country": "SN", "region": "Thiès",
                "defenders": [{"name": "Comité des pêcheurs de Ndiaréme", "kind": "organisation", "relationship": "close_partner"}],
                "violation_types": ["forced_eviction_displacement", "protest_repression"],
                "perpetrators": [
                    {"category": "state_executive", "involvement": "ordered"},
                    {"category": "police_military", "involvement": "carried_out"}
                ],
                "business_link": {"sector": "construction", "company": "Atlantic Port Development SA", "project": "Port extension, phase 2"},
                "rights_concerned": ["housing", "food", "assembly_association"],
                "requested_actions": [{
                    "kind": "statement",
                    "description": {"fr": "Publier une déclaration demandant la libération des membres du comité.", "en": "Publish a statement calling for the committee members' release."},
                    "deadline": in_days(10)
                }],
                "audience": "network",
                "consent": consent(now, "The fishers' committee", &["private_advocacy"])
            }),
        },
        AlertPlan {
            author: staff(2, "rana"),
            published_by: staff(2, "nour"),
            restricted_to: &[],
            groups: &[],
            body: json!({
                "title": {
                    "ar": "حملة تشهير وتهديدات عبر الإنترنت ضد مدافعة عن حقوق العاملات المنزليات",
                    "en": "Online smear campaign and threats against a defender of domestic workers' rights",
                    "fr": "Campagne de dénigrement et menaces en ligne contre une défenseure des droits des travailleuses domestiques",
                    "es": "Campaña de difamación y amenazas en línea contra una defensora de los derechos de las trabajadoras domésticas"
                },
                "summary": {
                    "ar": "تتعرض هالة منصور لسيل من الرسائل المسيئة وتهديدات بالاعتداء بعد نشرها تقريرًا عن ظروف العمل.",
                    "en": "Hala Mansour receives a flood of abusive messages and threats of assault after publishing a report on working conditions.",
                    "fr": "Hala Mansour reçoit un flot de messages injurieux et de menaces d'agression après la publication d'un rapport sur les conditions de travail.",
                    "es": "Hala Mansour recibe una avalancha de mensajes injuriosos y amenazas de agresión tras publicar un informe sobre las condiciones laborales."
                },
                "body": {
                    "ar": "<p>نُشرت صور معدّلة لها مع عنوان منزلها. وأبلغت المنصة عن الحسابات، لكن معظمها ما زال نشطًا.</p>",
                    "en": "<p>Doctored images of her were posted with her home address. She reported the accounts to the platform, but most are still active.</p>",
                    "fr": "<p>Des images truquées d'elle ont été publiées avec son adresse. Elle a signalé les comptes à la plateforme, mais la plupart sont toujours actifs.</p>",
                    "es": "<p>Se publicaron imágenes suyas manipuladas junto con su dirección. Denunció las cuentas ante la plataforma, pero la mayoría siguen activas.</p>"
                },
                "link_to_work": {
                    "ar": "تقود هالة حملة الشبكة من أجل حماية العاملات المنزليات المهاجرات.",
                    "en": "Hala leads the network's campaign for the protection of migrant domestic workers."
                },
                "urgency": "expected", "severity": "moderate", "certainty": "confirmed",
                "country": "JO", "region": "Amman",
                "defenders": [{"name": "Hala Mansour", "kind": "individual", "woman_defender": true, "relationship": "member"}],
                "violation_types": ["online_attack", "smear_campaign", "threat_intimidation"],
                "perpetrators": [{"category": "unknown", "involvement": "carried_out"}],
                "rights_concerned": ["work_unions", "expression"],
                "requested_actions": [
                    {
                        "kind": "social_media",
                        "description": {"en": "Share messages of support with #StandWithHala.", "ar": "شاركوا رسائل تضامن مع الوسم #متضامنون_مع_هالة."}
                    },
                    {
                        "kind": "letter",
                        "addressees": [{"name": "Trust and Safety team", "institution": "A social media platform", "kind": "company"}],
                        "model_text": {
                            "en": "We ask you to remove the accounts that publish Hala Mansour's address and threats against her.",
                            "ar": "نطالبكم بإزالة الحسابات التي تنشر عنوان هالة منصور وتهديدات ضدها."
                        },
                        "deadline": in_days(14)
                    }
                ],
                "audience": "public",
                "consent": consent(now, "Hala Mansour", &["public_appeal", "private_advocacy"])
            }),
        },
        AlertPlan {
            author: staff(2, "rana"),
            published_by: staff(2, "nour"),
            restricted_to: &[RED_ANDINA],
            groups: &[],
            body: json!({
                "title": {
                    "ar": "مدافعة وعائلتها مهددون بعد إدلائها بشهادة: طلب دعم عاجل للانتقال",
                    "en": "Defender and her family threatened after giving testimony: urgent relocation support requested",
                    "fr": "Une défenseure et sa famille menacées après son témoignage : soutien urgent à la relocalisation",
                    "es": "Defensora y su familia amenazadas tras su testimonio: se solicita apoyo urgente para la reubicación"
                },
                "summary": {
                    "ar": "بعد شهادتها أمام آلية أممية، تلقت المدافعة «ك» وعائلتها تهديدات مباشرة.",
                    "en": "After testifying before a UN mechanism, defender K. and her family received direct threats.",
                    "fr": "Après avoir témoigné devant un mécanisme de l'ONU, la défenseure K. et sa famille ont reçu des menaces directes.",
                    "es": "Tras declarar ante un mecanismo de la ONU, la defensora K. y su familia recibieron amenazas directas."
                },
                "body": {
                    "ar": "<p>نطلب من صندوق الحماية الطارئة دراسة تمويل انتقال مؤقت لمدة ثلاثة أشهر.</p>",
                    "en": "<p>We ask the emergency protection fund to consider funding a temporary relocation for three months.</p>",
                    "fr": "<p>Nous demandons au fonds de protection d'urgence d'envisager le financement d'une relocalisation temporaire de trois mois.</p>",
                    "es": "<p>Pedimos al fondo de protección de emergencia que considere financiar una reubicación temporal de tres meses.</p>"
                },
                "link_to_work": {
                    "en": "She documents reprisals against women who report abuse by security forces.",
                    "ar": "توثّق الأعمال الانتقامية ضد النساء اللواتي يبلّغن عن انتهاكات قوات الأمن."
                },
                "urgency": "immediate", "severity": "extreme", "certainty": "likely",
                "country": "LB",
                "defenders": [{"name": "K.", "kind": "individual", "woman_defender": true, "relationship": "member", "anonymised": true}],
                "violation_types": ["threat_intimidation", "reprisal_against_family"],
                "perpetrators": [{"category": "unknown", "involvement": "suspected"}],
                "rights_concerned": ["expression"],
                "requested_actions": [{
                    "kind": "other",
                    "description": {"en": "Consider emergency relocation funding.", "es": "Considerar financiación de reubicación de emergencia."}
                }],
                "audience": "restricted",
                "consent": consent(now, "K.", &["named_addressees_only", "anonymised"])
            }),
        },
    ]
}

/// Solidarity actions: cosigning, statements and pledges, from other
/// organisations than the alert's, on their own nodes.
pub fn actions(now: DateTime<Utc>) -> Vec<ActionPlan> {
    let in_days = |days: i64| date(now + Duration::days(days));
    vec![
        ActionPlan {
            by: staff(1, "moussa"),
            on: 0,
            body: json!({"kind": "cosign", "shareable": true,
                         "content": {"fr": "L'Observatoire sahélien cosigne la lettre.", "en": "The Sahel Observatory cosigns the letter."}}),
        },
        ActionPlan {
            by: staff(2, "nour"),
            on: 0,
            body: json!({"kind": "statement", "shareable": true, "content": {
                "en": "<p>We stand with Juana Ccahuana and the women of Ccollpa defending their water.</p>",
                "ar": "<p>نقف إلى جانب خوانا كاهوانا ونساء كولبا المدافعات عن مياههن.</p>",
                "es": "<p>Estamos con Juana Ccahuana y las mujeres de Ccollpa que defienden su agua.</p>"
            }}),
        },
        ActionPlan {
            by: staff(0, "mateo"),
            on: 0,
            body: json!({"kind": "cosign", "shareable": true}),
        },
        ActionPlan {
            by: staff(0, "sofia"),
            on: 3,
            body: json!({"kind": "pledge", "shareable": true, "due": in_days(14), "content": {
                "es": "Plantearemos el caso ante la relatoría sobre vivienda adecuada.",
                "en": "We will raise the case with the UN Special Rapporteur on adequate housing."
            }}),
        },
        ActionPlan {
            by: staff(0, "mateo"),
            on: 4,
            body: json!({"kind": "statement", "shareable": true, "content": {
                "es": "<p>Exigimos que la plataforma retire de inmediato las cuentas que exponen a Hala Mansour.</p>",
                "en": "<p>We demand that the platform immediately remove the accounts exposing Hala Mansour.</p>"
            }}),
        },
        ActionPlan {
            by: staff(1, "awa"),
            on: 4,
            body: json!({"kind": "pledge", "shareable": true, "due": in_days(10), "content": {
                "fr": "Nous relaierons l'appel sur nos réseaux en français.",
                "en": "We will relay the appeal on our French-language channels."
            }}),
        },
        ActionPlan {
            by: staff(2, "rana"),
            on: 1,
            body: json!({"kind": "pledge", "shareable": true, "due": in_days(18), "content": {
                "en": "We will send a letter to the Attorney General before the hearing.",
                "ar": "سنرسل رسالة إلى النائب العام قبل الجلسة."
            }}),
        },
        ActionPlan {
            by: staff(0, "sofia"),
            on: 5,
            body: json!({"kind": "pledge", "due": in_days(5), "content": {
                "en": "The protection fund committee will decide on relocation funding within five days.",
                "es": "El comité del fondo de protección decidirá sobre la financiación en cinco días."
            }}),
        },
    ]
}
