# Avis par courriel (envoyés aux membres du personnel ; l'objet et les deux parties).
notice-network-alert = Une alerte du réseau correspond à vos avis.
notice-local-alert = Une alerte d'une autre organisation de ce nœud correspond à vos avis.
notice-review-requested = Une alerte de votre organisation attend sa relecture.
notice-returned-to-draft = Une alerte de votre organisation a été renvoyée à ses rédacteurs.
notice-published = Une alerte de votre organisation a été publiée.
notice-subject = { $number } : { $title }
notice-subject-limited = Alerte { $number }
notice-limited = L'audience de cette alerte est restreinte : ce message n'en contient rien. Ouvrez-la sur le nœud pour la lire.
notice-urgency = Urgence
notice-country = Pays
notice-open = Ouvrir l'alerte
notice-why = Vous recevez ce message selon vos réglages d'avis sur { $node }. Modifiez-les sur la page de votre compte :
notice-digest-subject = Votre résumé quotidien : { $count } avis
notice-digest-intro = Ce qui vous a été signalé depuis votre dernier résumé :
