## صورة الشبكة (/analysis/network) ونشر الأعداد (/organisation)

network-analysis-title = على مستوى الشبكة
network-analysis-intro = ما تنشره منظمات الشبكة عن نداءاتها الخاصة، مجموعًا: أعداد فقط، لا سجلات ولا أسماء أبدًا. كل منظمة تختار أن تنشر. أي عدد أقل من { $threshold } يُعرض «<{ $threshold }»، وكذلك أي مجموع قد يكون أقل منه.
network-analysis-back = العودة إلى تحليل النداءات التي يمكنك رؤيتها
network-analysis-ranges = حين يكون جزء محميًا، يُعرض المجموع مدى («6–9») أو حدًا («≥3»، «≤4») أو «<3»: ولا يكون أبدًا أدق مما نشرته كل منظمة.
network-analysis-chart-caption = تُظهر الأعمدة المجاميع المعروفة بدقة؛ أما المجاميع المعروضة مدى ففي الجدول وحده.
network-analysis-contributors = من أسهم
network-analysis-none = لا تنشر أي منظمة أعدادها بعد.
network-analysis-organisation = المنظمة
network-analysis-node = العقدة
network-analysis-generated = وقت حساب الأعداد
network-analysis-live = الآن (هذه العقدة)
org-aggregates-heading = الأعداد المنشورة على الشبكة
org-aggregates-intro = يمكن لمنظمتك أن تنشر أعداد نداءاتها المنشورة (حسب الانتهاك والجهة المعتدية والقطاع والحق والبلد ونوع المدافع والشهر) إلى العقد التي تتحد معها هذه العقدة، موقّعة بمفتاحها، لكي ترى الشبكة الصورة كاملة. لا سجلات ولا أسماء أبدًا؛ وأي عدد أقل من { $threshold } يُنشر «<{ $threshold }».
org-aggregates-on = منظمتك تنشر أعدادها.
org-aggregates-off = منظمتك لا تنشر أعدادها.
org-aggregates-start = انشر أعدادنا
org-aggregates-stop = أوقف النشر واسحبها
org-aggregates-picture = اعرض صورة الشبكة كلها
