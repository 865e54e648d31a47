## Le tableau du réseau (/analysis/network) et la publication des chiffres (/organisation)

network-analysis-title = Dans tout le réseau
network-analysis-intro = Ce que les organisations du réseau publient de leurs propres alertes, additionné : des chiffres seulement, jamais de fiches, jamais de noms. Chaque organisation choisit de publier. Tout chiffre inférieur à { $threshold } est affiché « <{ $threshold } », de même qu’une somme qui pourrait l’être.
network-analysis-back = Retour à l’analyse des alertes que vous pouvez voir
network-analysis-ranges = Quand une partie est protégée, la somme est affichée comme un intervalle (« 6–9 »), une borne (« ≥3 », « ≤4 ») ou « <3 » : jamais plus précise que ce que chaque organisation a publié.
network-analysis-chart-caption = Les barres montrent les sommes connues exactement ; celles données comme un intervalle sont dans le tableau seulement.
network-analysis-contributors = Qui a contribué
network-analysis-none = Aucune organisation ne publie encore ses chiffres.
network-analysis-organisation = Organisation
network-analysis-node = Nœud
network-analysis-generated = Chiffres établis
network-analysis-live = Maintenant (ce nœud)
org-aggregates-heading = Chiffres publiés sur le réseau
org-aggregates-intro = Votre organisation peut publier les chiffres de ses propres alertes publiées (par violation, auteur, secteur, droit, pays, type de défenseur et mois) vers les nœuds avec lesquels ce nœud est fédéré, signés de sa clé, pour que le réseau voie l’ensemble. Jamais de fiches, jamais de noms ; tout chiffre inférieur à { $threshold } est publié « <{ $threshold } ».
org-aggregates-on = Votre organisation publie ses chiffres.
org-aggregates-off = Votre organisation ne publie pas ses chiffres.
org-aggregates-start = Publier nos chiffres
org-aggregates-stop = Arrêter de publier et les retirer
org-aggregates-picture = Voir le tableau de tout le réseau
