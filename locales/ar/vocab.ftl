# التسميات والشروح الموجزة لكل المفردات المضبوطة.

## أين وصل النداء
status-draft = مسودة
status-draft-help = قيد الكتابة؛ لا تراه إلا منظمتك.
status-in_review = قيد المراجعة
status-in_review-help = قُدِّم للمراجعة، وينتظر أن يراجعه منسّق وينشره.
status-open = مفتوح
status-open-help = منشور؛ ولا يزال المدافعون والمدافعات بحاجة إلى الدعم.
status-closed = مغلق
status-closed-help = انتهى؛ ويبقى النداء متاحًا للقراءة مع ما آلت إليه القضية.
status-withdrawn = مسحوب
status-withdrawn-help = سُحب، لسحب الموافقة مثلًا؛ ولم يعد محتواه يُعرض على الآخرين.

## أدوار العاملين
role-viewer = مُطّلع
role-viewer-help = يمكنه قراءة النداءات، لكن لا يمكنه كتابة أي شيء أو تغييره.
role-member = عضو
role-member-help = يمكنه أيضًا صياغة النداءات، وتعديل المسودات، وتقديمها للمراجعة.
role-coordinator = منسّق
role-coordinator-help = يمكنه أيضًا نشر النداءات، وتوسيع نطاق من يراها، وتعديل النداءات المنشورة، وإغلاقها أو سحبها.
role-admin = مسؤول
role-admin-help = يمكنه أيضًا إدارة حسابات العاملين في المنظمة والاطلاع على سجل التدقيق الخاص بها.

## من يمكنه رؤية النداء
audience-node = هذه العقدة فقط
audience-node-help = لا يرى النداء إلا العاملون في المنظمات المستضافة على هذه العقدة؛ ولا يُرسل إلى عقد أخرى.
audience-restricted = منظمات محدّدة بالاسم
audience-restricted-help = لا يتلقى النداء إلا المنظمات المذكورة فيه بالاسم، على هذه العقدة أو على غيرها.
audience-trusted = العقد الموثوقة
audience-trusted-help = تتلقى النداء المنظمات الموجودة على هذه العقدة وعلى العقد التي تمنحها أعلى درجة من الثقة.
audience-network = الشبكة كلها
audience-network-help = تتلقى النداء جميع المنظمات الموجودة على هذه العقدة وعلى كل العقد المتصلة بها.
audience-public = عام
audience-public-help = يمكن لأي شخص قراءة النداء على الإنترنت، وتتلقاه الشبكة كلها.

## مدى ثقة هذه العقدة بعقدة أخرى
trust-blocked = محظورة
trust-blocked-help = ترفض هذه العقدة كل ما يأتي من تلك العقدة، ولا ترسل إليها شيئًا.
trust-pending = بانتظار القرار
trust-pending-help = لم يُتّخذ قرار بعد؛ ولا يمكن لتلك العقدة إلا أن تطلب الربط الاتحادي.
trust-connected = متصلة
trust-connected-help = تتبادل العقدتان النداءات التي تُشارَك مع الشبكة كلها.
trust-trusted = موثوقة
trust-trusted-help = تتلقى تلك العقدة أيضًا النداءات المخصّصة للعقد الموثوقة وحدها.

## رد عقدة أخرى على طلب هذه العقدة للربط الاتحادي
their-answer-none = لم يُطلب
their-answer-none-help = لم تطلب هذه العقدة الربط الاتحادي مع تلك العقدة.
their-answer-requested = طُلب
their-answer-requested-help = طلبت هذه العقدة الربط الاتحادي وتنتظر الرد.
their-answer-accepted = مقبول
their-answer-accepted-help = وافقت تلك العقدة على الربط الاتحادي مع هذه العقدة.
their-answer-rejected = مرفوض
their-answer-rejected-help = رفضت تلك العقدة الربط الاتحادي مع هذه العقدة.

## إرسال رسالة إلى عقدة أخرى
delivery-state-pending = بانتظار الإرسال
delivery-state-pending-help = الرسالة في قائمة الانتظار وستُرسل، أو تُعاد محاولة إرسالها، قريبًا.
delivery-state-delivered = سُلّمت
delivery-state-delivered-help = أكّدت العقدة الأخرى أنها تلقّت الرسالة.
delivery-state-failed = فشل الإرسال
delivery-state-failed-help = لم تُسلَّم الرسالة، ولن تُعاد محاولة إرسالها.

## ما فعلته كل خطوة في سجل النداء
history-action-created = أُنشئ
history-action-created-help = كُتب النداء أول مرة كمسودة.
history-action-edited = عُدّل
history-action-edited-help = تغيّر محتوى النداء.
history-action-consent_recorded = سُجّلت الموافقة
history-action-consent_recorded-help = سُجّلت موافقة المدافعين والمدافعات من جديد، بعد أن أُعطيت مرة أخرى أو على نطاق أوسع.
history-action-submitted = قُدّم للمراجعة
history-action-submitted-help = أُرسلت المسودة إلى منسّق ليراجعها.
history-action-returned_to_draft = أُعيد إلى المسودة
history-action-returned_to_draft-help = أعاد منسّق النداء لإعادة العمل عليه.
history-action-published = نُشر
history-action-published-help = أُتيح النداء للجهات المقصودة به.
history-action-closed = أُغلق
history-action-closed-help = أُنهي النداء وسُجّل ما آلت إليه القضية.
history-action-withdrawn = سُحب
history-action-withdrawn-help = سحبت المنظمة النداء.
history-action-consent_withdrawn = سُحبت الموافقة
history-action-consent_withdrawn-help = سحب المدافعون والمدافعات موافقتهم، فسُحب النداء.

## متى يلزم التحرك (درجة الاستعجال في CAP)
urgency-immediate = فوري
urgency-immediate-help = يجب التحرك الآن.
urgency-expected = متوقع قريبًا
urgency-expected-help = يجب التحرك قريبًا، خلال الساعة القادمة تقريبًا.
urgency-future = في المستقبل
urgency-future-help = سيلزم التحرك في المستقبل القريب.
urgency-past = سابق
urgency-past-help = لم يعد التحرك لازمًا.
urgency-unknown = غير معروف
urgency-unknown-help = لا يُعرف متى يلزم التحرك.

## مدى خطورة التهديد (درجة الخطورة في CAP)
severity-extreme = بالغة الشدة
severity-extreme-help = تهديد استثنائي للحياة أو السلامة.
severity-severe = شديدة
severity-severe-help = تهديد كبير للحياة أو السلامة.
severity-moderate = متوسطة
severity-moderate-help = تهديد محتمل للحياة أو السلامة.
severity-minor = طفيفة
severity-minor-help = تهديد ضئيل أو معدوم للحياة أو السلامة، بحسب ما هو معروف.
severity-unknown = غير معروفة
severity-unknown-help = لا تُعرف درجة خطورة التهديد.

## مدى التيقّن من المعلومات (درجة التيقّن في CAP)
certainty-confirmed = مؤكَّد
certainty-confirmed-help = ثبت أن الوقائع حدثت أو أنها مستمرة.
certainty-likely = مرجَّح
certainty-likely-help = حدوثه أرجح من عدمه (احتمال يزيد على النصف تقريبًا).
certainty-possible = ممكن
certainty-possible-help = ممكن، لكنه غير مرجَّح (احتمال النصف أو أقل).
certainty-unlikely = مستبعَد
certainty-unlikely-help = لا يُتوقَّع حدوثه.
certainty-unknown = غير معروف
certainty-unknown-help = لا يُعرف مدى التيقّن من المعلومات.

## من هم المدافعون والمدافعات
defender-kind-individual = فرد
defender-kind-individual-help = شخص واحد يدافع عن حقوق الإنسان.
defender-kind-organisation = منظمة
defender-kind-organisation-help = مجموعة لها اسم وهيكل، مثل جمعية أو نقابة.
defender-kind-community = مجتمع محلي
defender-kind-community-help = مجتمع، مثل شعب أصلي أو قرية، يدافع عن حقوقه بشكل جماعي.
defender-kind-movement = حركة
defender-kind-movement-help = حركة أو حملة أوسع، لا تقتصر على منظمة واحدة.

## صلة المدافعين والمدافعات بالشبكة
defender-relationship-member = عضو في الشبكة
defender-relationship-member-help = المدافع/ة منظمة عضو في الشبكة، أو ينتمي إلى منظمة عضو فيها.
defender-relationship-close_partner = شريك وثيق
defender-relationship-close_partner-help = يعمل المدافع/ة عن كثب مع الشبكة دون أن يكون عضوًا فيها.
defender-relationship-other = أخرى
defender-relationship-other-help = لا تربط المدافع/ة بالشبكة صلة وثيقة.

## ما وافق المدافعون والمدافعات على استخدام قضيتهم فيه
consent-use-public_appeal = نداء عام
consent-use-public_appeal-help = وافق المدافع/ة على نشر قضيته ليقرأها أي شخص.
consent-use-private_advocacy = مناصرة غير علنية
consent-use-private_advocacy-help = وافق المدافع/ة على مشاركة قضيته داخل الشبكة، دون نشرها.
consent-use-named_addressees_only = المنظمات المحدّدة بالاسم فقط
consent-use-named_addressees_only-help = وافق المدافع/ة على مشاركة قضيته مع المنظمات المذكورة بالاسم في النداء فقط.
consent-use-anonymised = دون كشف الهوية
consent-use-anonymised-help = وافق المدافع/ة على استخدام قضيته فقط دون اسمه أو أي شيء آخر يكشف هويته.

## ما تعرّض له المدافعون والمدافعات
violation-type-killing = قتل
violation-type-killing-help = قُتل المدافع/ة.
violation-type-attempted_killing = محاولة قتل
violation-type-attempted_killing-help = حاول أحدهم قتل المدافع/ة، لكنه نجا.
violation-type-death_threat = تهديد بالقتل
violation-type-death_threat-help = تلقّى المدافع/ة تهديدًا بالقتل.
violation-type-threat_intimidation = تهديد وترهيب
violation-type-threat_intimidation-help = تعرّض المدافع/ة للتهديد أو الترهيب بطرق أخرى لدفعه إلى التوقف عن عمله.
violation-type-physical_attack = اعتداء جسدي
violation-type-physical_attack-help = تعرّض المدافع/ة للضرب أو الإصابة أو لاعتداء جسدي آخر.
violation-type-sexual_gender_based_violence = العنف الجنسي والعنف القائم على النوع الاجتماعي
violation-type-sexual_gender_based_violence-help = عنف جنسي، أو عنف يستهدف شخصًا بسبب نوعه الاجتماعي، أو التهديد بأيّ منهما.
violation-type-abduction = اختطاف
violation-type-abduction-help = أُخذ المدافع/ة واحتُجز رغمًا عنه.
violation-type-enforced_disappearance = اختفاء قسري
violation-type-enforced_disappearance-help = اقتاد المدافع/ة موظفون تابعون للدولة، أو أشخاص بدعم منها، ينكرون ذلك أو يخفون مكان وجوده.
violation-type-arbitrary_arrest_detention = اعتقال أو احتجاز تعسفي
violation-type-arbitrary_arrest_detention-help = اعتُقل المدافع/ة أو احتُجز دون سند قانوني أو دون إجراءات عادلة.
violation-type-torture_ill_treatment = تعذيب أو سوء معاملة
violation-type-torture_ill_treatment-help = تعرّض المدافع/ة للتعذيب أو لمعاملة قاسية أو لاإنسانية أو مهينة.
violation-type-judicial_harassment = مضايقة قضائية
violation-type-judicial_harassment-help = تُستخدم الدعاوى أو التهم أو التحقيقات لإسكات المدافع/ة.
violation-type-smear_campaign = حملة تشهير
violation-type-smear_campaign-help = يُشهَّر بالمدافع/ة علنًا أو يُوصم، بوصفه إرهابيًا أو خائنًا مثلًا، للنيل من مصداقيته.
violation-type-surveillance = مراقبة
violation-type-surveillance-help = يخضع المدافع/ة للمراقبة أو التعقّب، أو تُراقَب اتصالاته.
violation-type-raid_seizure = مداهمة أو مصادرة
violation-type-raid_seizure-help = فُتّش منزل أو مكتب بالقوة، أو صودرت ممتلكات أو ملفات أو أجهزة.
violation-type-online_attack = هجوم إلكتروني
violation-type-online_attack-help = اختراق، أو مضايقة إلكترونية، أو حملات على الإنترنت ضد المدافع/ة.
violation-type-travel_ban = منع من السفر
violation-type-travel_ban-help = يُمنع المدافع/ة من مغادرة بلد أو دخوله.
violation-type-forced_eviction_displacement = إخلاء قسري أو تهجير
violation-type-forced_eviction_displacement-help = أُرغم المدافع/ة أو مجتمعه على ترك مسكنه أو أرضه.
violation-type-land_property_confiscation = مصادرة أراضٍ أو ممتلكات
violation-type-land_property_confiscation-help = انتُزعت أراضي المدافع/ة أو مجتمعه أو ممتلكاتهم منهم.
violation-type-office_closure_deregistration = إغلاق منظمة أو شطب تسجيلها
violation-type-office_closure_deregistration-help = أُغلقت منظمة، أو شُطب تسجيلها القانوني، أو مُنعت من العمل.
violation-type-protest_repression = قمع احتجاج
violation-type-protest_repression-help = حُظر احتجاج أو تجمّع سلمي، أو فُضّ، أو قوبل بالقوة.
violation-type-dismissal_anti_union_reprisal = فصل من العمل أو انتقام بسبب النشاط النقابي
violation-type-dismissal_anti_union_reprisal-help = فقد المدافع/ة عمله أو عوقب بسبب نشاطه النقابي أو لأنه رفع صوته في مكان العمل.
violation-type-reprisal_against_family = انتقام من الأسرة
violation-type-reprisal_against_family-help = استُهدف أقارب المدافع/ة بسبب عمله.
violation-type-other = أخرى
violation-type-other-help = انتهاك لا ينطبق عليه أي من الأنواع الأخرى.

## من المسؤول
perpetrator-category-state_executive = الحكومة أو سلطة تابعة للدولة
perpetrator-category-state_executive-help = الحكومة، أو وزارة، أو سلطة تنفيذية أخرى، وطنية أو محلية.
perpetrator-category-legislature = السلطة التشريعية
perpetrator-category-legislature-help = برلمان أو هيئة تشريعية أخرى، مثلًا من خلال قانون تقييدي.
perpetrator-category-judiciary = السلطة القضائية
perpetrator-category-judiciary-help = المحاكم أو القضاة أو النيابة العامة.
perpetrator-category-police_military = الشرطة أو الجيش
perpetrator-category-police_military-help = الشرطة أو القوات المسلحة أو غيرها من قوات الأمن التابعة للدولة.
perpetrator-category-paramilitary = جماعة شبه عسكرية
perpetrator-category-paramilitary-help = جماعة مسلحة تعمل خارج القانون، غالبًا بدعم من الدولة أو بتغاضٍ منها.
perpetrator-category-private_security = أمن خاص
perpetrator-category-private_security-help = حرّاس أو شركات أمن تستعين بهم شركة أو شخص.
perpetrator-category-corporation = شركة
perpetrator-category-corporation-help = شركة تجارية، أو أشخاص يتصرفون نيابة عنها.
perpetrator-category-landowner = مالك أراضٍ
perpetrator-category-landowner-help = مالك خاص لأراضٍ، أو أشخاص يتصرفون نيابة عنه.
perpetrator-category-international_financial_institution = مؤسسة مالية دولية
perpetrator-category-international_financial_institution-help = مصرف تنمية أو جهة إقراض، مثل البنك الدولي، أو مشروع تموّله.
perpetrator-category-mob = حشد غوغائي
perpetrator-category-mob-help = حشد أو مجموعة من الأشخاص لا يتصرفون باسم أي جهة منظمة.
perpetrator-category-unknown = غير معروف
perpetrator-category-unknown-help = لا يُعرف من المسؤول.

## صلة الجاني بالاعتداء
involvement-carried_out = منفِّذ
involvement-carried_out-help = شارك مباشرة في الاعتداء.
involvement-ordered = آمر
involvement-ordered-help = أمر بالاعتداء أو خطّط له، ونفّذه آخرون.
involvement-complicit = متواطئ
involvement-complicit-help = ساعد على الاعتداء أو موّله أو سمح به دون أن ينفّذه.
involvement-suspected = مشتبه به
involvement-suspected-help = يُعتقد أنه مسؤول، لكن ذلك لم يثبت بعد.

## القطاعات الاقتصادية المرتبطة بالاعتداء
business-sector-mining = التعدين
business-sector-mining-help = استخراج المعادن والفلزات، والمحاجر.
business-sector-hydro_renewables = الطاقة الكهرومائية والمتجددة
business-sector-hydro_renewables-help = السدود، ومشاريع طاقة الرياح والطاقة الشمسية وغيرها من الطاقات المتجددة.
business-sector-oil_gas_coal = النفط والغاز والفحم
business-sector-oil_gas_coal-help = استخراج الوقود الأحفوري ونقله ومعالجته.
business-sector-agribusiness = الأعمال الزراعية
business-sector-agribusiness-help = الزراعة واسعة النطاق والمزارع الكبرى وتربية المواشي، مثل زيت النخيل أو السكر أو الصويا.
business-sector-logging = قطع الأشجار
business-sector-logging-help = قطع الأخشاب والاتجار بها.
business-sector-construction = البناء والبنية التحتية
business-sector-construction-help = الطرق والموانئ والمباني وغيرها من مشاريع البنية التحتية الكبرى.
business-sector-other = أخرى
business-sector-other-help = قطاع اقتصادي غير مذكور في هذه القائمة.

## الحقوق التي كان المدافعون والمدافعات يدافعون عنها
right-land = الحق في الأرض
right-land-help = حق الأفراد والمجتمعات في امتلاك أراضيهم واستخدامها والبقاء عليها.
right-housing = الحق في السكن
right-housing-help = الحق في سكن لائق، والحماية من الإخلاء القسري.
right-food = الحق في الغذاء
right-food-help = الحق في غذاء كافٍ وملائم، أو في وسائل الحصول عليه.
right-water = الحق في المياه والصرف الصحي
right-water-help = الحق في مياه مأمونة وكافية للاستخدام الشخصي والمنزلي، وفي الصرف الصحي.
right-health = الحق في الصحة
right-health-help = الحق في أعلى مستوى من الصحة يمكن بلوغه، وفي الرعاية الصحية.
right-environment = الحق في بيئة صحية
right-environment-help = الحق في بيئة نظيفة وصحية ومستدامة.
right-work_unions = الحقوق العمالية والنقابية
right-work_unions-help = الحقوق في العمل، ومنها ظروف عمل عادلة والحق في تأسيس النقابات والانضمام إليها.
right-culture = الحقوق الثقافية
right-culture-help = الحق في المشاركة في الحياة الثقافية، والحفاظ على اللغة والتقاليد والهوية.
right-natural_resources_self_determination = تقرير المصير والموارد الطبيعية
right-natural_resources_self_determination-help = حق الشعوب في تقرير مسار تنميتها والتصرف في مواردها الطبيعية.
right-expression = حرية التعبير
right-expression-help = حرية التماس المعلومات والآراء وتلقيها ونقلها.
right-assembly_association = حرية التجمع وتكوين الجمعيات
right-assembly_association-help = حرية التجمع السلمي، وتأسيس الجمعيات والانضمام إليها.

## ما يُطلب من المنظمات الأعضاء
requested-action-kind-letter = رسالة
requested-action-kind-letter-help = إرسال رسالة إلى الجهات المخاطَبة، استنادًا عادةً إلى النص النموذجي.
requested-action-kind-statement = بيان علني
requested-action-kind-statement-help = نشر بيان عن القضية باسم منظمتك.
requested-action-kind-call = اتصال هاتفي
requested-action-kind-call-help = الاتصال بالجهات المخاطَبة لإثارة القضية معها.
requested-action-kind-social_media = وسائل التواصل الاجتماعي
requested-action-kind-social_media-help = نشر القضية على وسائل التواصل الاجتماعي.
requested-action-kind-visit = زيارة
requested-action-kind-visit-help = زيارة المدافع/ة، أو لقاء السلطات أو سفارة بشأن القضية.
requested-action-kind-trial_observation = مراقبة المحاكمة
requested-action-kind-trial_observation-help = حضور جلسات محاكمة المدافع/ة بصفة مراقب.
requested-action-kind-other = أخرى
requested-action-kind-other-help = إجراء آخر، موصوف في النداء.

## الجهات التي تُوجَّه إليها الإجراءات
addressee-kind-government = الحكومة
addressee-kind-government-help = وزارة، أو سلطة تابعة للدولة، أو مسؤول حكومي.
addressee-kind-company = شركة
addressee-kind-company-help = شركة ضالعة في القضية.
addressee-kind-investor = مستثمر
addressee-kind-investor-help = مصرف أو صندوق أو مساهم يموّل شركة ضالعة في القضية أو يملكها.
addressee-kind-un_mechanism = آلية أممية
addressee-kind-un_mechanism-help = إجراء من الإجراءات الخاصة، أو هيئة معاهدة، أو مفوضية الأمم المتحدة السامية لحقوق الإنسان.
addressee-kind-regional_mechanism = آلية إقليمية
addressee-kind-regional_mechanism-help = هيئة إقليمية لحقوق الإنسان، مثل اللجنة الأفريقية أو لجنة البلدان الأمريكية.
addressee-kind-embassy = سفارة
addressee-kind-embassy-help = سفارة أجنبية أو دبلوماسيوها في البلد.
addressee-kind-other = أخرى
addressee-kind-other-help = جهة أخرى، مذكورة في النداء.

## كيف انتهى النداء
outcome-defender_safe = المدافع/ة في أمان
outcome-defender_safe-help = لم يعد المدافع/ة في خطر مباشر.
outcome-released = الإفراج
outcome-released-help = أُطلق سراح المدافع/ة من الاحتجاز أو الأسر.
outcome-charges_dropped = إسقاط التهم
outcome-charges_dropped-help = أُسقطت التهم أو الدعاوى المرفوعة على المدافع/ة.
outcome-threat_continues = استمرار التهديد
outcome-threat_continues-help = أُغلق النداء، لكن المدافع/ة لا يزال في خطر.
outcome-killed = القتل
outcome-killed-help = قُتل المدافع/ة.
outcome-disappeared = الاختفاء
outcome-disappeared-help = لا يزال المدافع/ة مفقودًا، ولا يُعرف مكان وجوده.
outcome-other = أخرى
outcome-other-help = نتيجة أخرى، موصوفة في ملاحظة الإغلاق.
