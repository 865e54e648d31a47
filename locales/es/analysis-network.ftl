## El panorama de la red (/analysis/network) y la publicación de cifras (/organisation)

network-analysis-title = En toda la red
network-analysis-intro = Lo que las organizaciones de la red publican de sus propias alertas, sumado: solo cifras, nunca registros, nunca nombres. Cada organización decide publicar. Toda cifra menor que { $threshold } se muestra como «<{ $threshold }», y también una suma que podría serlo.
network-analysis-back = Volver al análisis de las alertas que puede ver
network-analysis-ranges = Cuando una parte está protegida, la suma se muestra como un intervalo («6–9»), un límite («≥3», «≤4») o «<3»: nunca más precisa que lo que cada organización publicó.
network-analysis-chart-caption = Las barras muestran las sumas conocidas con exactitud; las dadas como intervalo están solo en la tabla.
network-analysis-contributors = Quién contribuyó
network-analysis-none = Ninguna organización publica aún sus cifras.
network-analysis-organisation = Organización
network-analysis-node = Nodo
network-analysis-generated = Cifras calculadas
network-analysis-live = Ahora (este nodo)
org-aggregates-heading = Cifras publicadas en la red
org-aggregates-intro = Su organización puede publicar las cifras de sus propias alertas publicadas (por violación, perpetrador, sector, derecho, país, tipo de defensor y mes) a los nodos con los que este nodo está federado, firmadas con su clave, para que la red vea el panorama completo. Nunca registros, nunca nombres; toda cifra menor que { $threshold } se publica como «<{ $threshold }».
org-aggregates-on = Su organización publica sus cifras.
org-aggregates-off = Su organización no publica sus cifras.
org-aggregates-start = Publicar nuestras cifras
org-aggregates-stop = Dejar de publicar y retirarlas
org-aggregates-picture = Ver el panorama de toda la red
