# Les libellés et les courtes explications de chaque vocabulaire contrôlé.

## Où en est une alerte
status-draft = Brouillon
status-draft-help = En cours de rédaction ; seule votre organisation peut la voir.
status-in_review = En relecture
status-in_review-help = Soumise, elle attend qu'un·e coordinateur·rice la vérifie et la publie.
status-open = Ouverte
status-open-help = Publiée ; les défenseur·e·s ont encore besoin de soutien.
status-closed = Close
status-closed-help = Terminée ; l'alerte reste consultable, avec son issue.
status-withdrawn = Retirée
status-withdrawn-help = Retirée, par exemple parce que le consentement a été retiré ; son contenu n'est plus montré aux autres.

## Rôles du personnel
role-viewer = Lecteur·rice
role-viewer-help = Peut lire les alertes, mais ne peut rien rédiger ni modifier.
role-member = Membre
role-member-help = Peut aussi rédiger des alertes, modifier les brouillons et les soumettre en relecture.
role-coordinator = Coordinateur·rice
role-coordinator-help = Peut aussi publier les alertes, élargir leur diffusion, modifier les alertes publiées, les clore ou les retirer.
role-admin = Administrateur·rice
role-admin-help = Peut aussi gérer les comptes du personnel de l'organisation et consulter son journal d'audit.

## Qui peut voir une alerte
audience-node = Ce nœud seulement
audience-node-help = Seul le personnel des organisations hébergées sur ce nœud voit l'alerte ; elle n'est pas envoyée aux autres nœuds.
audience-restricted = Organisations désignées
audience-restricted-help = Seules les organisations nommées dans l'alerte la reçoivent, sur ce nœud ou sur d'autres.
audience-trusted = Nœuds de confiance
audience-trusted-help = Les organisations de ce nœud et des nœuds auxquels il accorde sa pleine confiance reçoivent l'alerte.
audience-network = Tout le réseau
audience-network-help = Toutes les organisations de ce nœud et de tous les nœuds qui lui sont connectés reçoivent l'alerte.
audience-public = Publique
audience-public-help = Tout le monde peut lire l'alerte sur le web, et tout le réseau la reçoit.

## Le degré de confiance de ce nœud envers un autre
trust-blocked = Bloqué
trust-blocked-help = Ce nœud refuse tout ce qui vient de ce nœud et ne lui envoie rien.
trust-pending = En attente de décision
trust-pending-help = Aucune décision pour l'instant ; ce nœud peut seulement demander à fédérer.
trust-connected = Connecté
trust-connected-help = Les deux nœuds échangent les alertes partagées avec tout le réseau.
trust-trusted = De confiance
trust-trusted-help = Ce nœud reçoit aussi les alertes réservées aux nœuds de confiance.

## La réponse d'un autre nœud à la demande de fédération de ce nœud
their-answer-none = Pas de demande
their-answer-none-help = Ce nœud n'a pas demandé à l'autre nœud de fédérer.
their-answer-requested = Demande envoyée
their-answer-requested-help = Ce nœud a demandé à fédérer et attend une réponse.
their-answer-accepted = Acceptée
their-answer-accepted-help = L'autre nœud a accepté de fédérer avec celui-ci.
their-answer-rejected = Refusée
their-answer-rejected-help = L'autre nœud a refusé de fédérer avec celui-ci.

## L'envoi d'un message à un autre nœud
delivery-state-pending = En attente d'envoi
delivery-state-pending-help = Le message est en file d'attente et sera envoyé, ou renvoyé, sous peu.
delivery-state-delivered = Remis
delivery-state-delivered-help = L'autre nœud a confirmé avoir reçu le message.
delivery-state-failed = Échec
delivery-state-failed-help = Le message n'a pas été remis et ne sera pas renvoyé.

## Ce qu'a fait chaque étape de l'historique d'une alerte
history-action-created = Créée
history-action-created-help = L'alerte a d'abord été rédigée comme brouillon.
history-action-edited = Modifiée
history-action-edited-help = Le contenu de l'alerte a été modifié.
history-action-consent_recorded = Consentement enregistré
history-action-consent_recorded-help = Le consentement des défenseur·e·s a été enregistré de nouveau, redonné ou élargi.
history-action-submitted = Soumise en relecture
history-action-submitted-help = Le brouillon a été transmis à un·e coordinateur·rice pour vérification.
history-action-returned_to_draft = Renvoyée en brouillon
history-action-returned_to_draft-help = Un·e coordinateur·rice a renvoyé l'alerte pour qu'elle soit retravaillée.
history-action-published = Publiée
history-action-published-help = L'alerte a été diffusée à ses destinataires.
history-action-closed = Close
history-action-closed-help = L'alerte a été clôturée et son issue enregistrée.
history-action-withdrawn = Retirée
history-action-withdrawn-help = L'organisation a retiré l'alerte.
history-action-consent_withdrawn = Consentement retiré
history-action-consent_withdrawn-help = Les défenseur·e·s ont retiré leur consentement ; l'alerte a donc été retirée.

## Dans quel délai agir (urgence CAP)
urgency-immediate = Immédiate
urgency-immediate-help = Il faut agir dès maintenant.
urgency-expected = Attendue sous peu
urgency-expected-help = Il faut agir bientôt, dans l'heure environ.
urgency-future = Future
urgency-future-help = Il faudra agir dans un avenir proche.
urgency-past = Passée
urgency-past-help = Il n'est plus nécessaire d'agir.
urgency-unknown = Inconnue
urgency-unknown-help = On ne sait pas dans quel délai il faut agir.

## La gravité de la menace (gravité CAP)
severity-extreme = Extrême
severity-extreme-help = Une menace exceptionnelle pour la vie ou la sécurité.
severity-severe = Grave
severity-severe-help = Une menace importante pour la vie ou la sécurité.
severity-moderate = Modérée
severity-moderate-help = Une menace possible pour la vie ou la sécurité.
severity-minor = Mineure
severity-minor-help = Une menace faible ou nulle, à notre connaissance, pour la vie ou la sécurité.
severity-unknown = Inconnue
severity-unknown-help = On ne connaît pas la gravité de la menace.

## Le degré de certitude de l'information (certitude CAP)
certainty-confirmed = Confirmée
certainty-confirmed-help = Il est vérifié que les faits ont eu lieu ou sont en cours.
certainty-likely = Probable
certainty-likely-help = Plus probable qu'improbable (plus d'une chance sur deux environ).
certainty-possible = Possible
certainty-possible-help = Possible, mais pas probable (une chance sur deux ou moins).
certainty-unlikely = Improbable
certainty-unlikely-help = On ne s'attend pas à ce que cela se produise.
certainty-unknown = Inconnue
certainty-unknown-help = On ne sait pas à quel point l'information est sûre.

## Qui sont les défenseur·e·s
defender-kind-individual = Individu
defender-kind-individual-help = Une personne qui défend les droits humains.
defender-kind-organisation = Organisation
defender-kind-organisation-help = Un groupe doté d'un nom et d'une structure, comme une association ou un syndicat.
defender-kind-community = Communauté
defender-kind-community-help = Une communauté, comme un peuple autochtone ou un village, qui défend ses droits collectivement.
defender-kind-movement = Mouvement
defender-kind-movement-help = Un mouvement ou une campagne plus large, qui n'est pas une seule organisation.

## Le lien des défenseur·e·s avec le réseau
defender-relationship-member = Membre du réseau
defender-relationship-member-help = Le ou la défenseur·e est, ou appartient à, une organisation membre du réseau.
defender-relationship-close_partner = Partenaire proche
defender-relationship-close_partner-help = Le ou la défenseur·e travaille étroitement avec le réseau sans en être membre.
defender-relationship-other = Autre
defender-relationship-other-help = Le ou la défenseur·e n'a pas de lien étroit avec le réseau.

## À quoi les défenseur·e·s ont consenti que leur cas serve
consent-use-public_appeal = Appel public
consent-use-public_appeal-help = Le ou la défenseur·e a accepté que son cas soit publié, lisible par tout le monde.
consent-use-private_advocacy = Plaidoyer confidentiel
consent-use-private_advocacy-help = Le ou la défenseur·e a accepté que son cas soit partagé au sein du réseau, mais pas publié.
consent-use-named_addressees_only = Organisations désignées uniquement
consent-use-named_addressees_only-help = Le ou la défenseur·e a accepté que son cas soit partagé uniquement avec les organisations nommées dans l'alerte.
consent-use-anonymised = Anonymisé
consent-use-anonymised-help = Le ou la défenseur·e a accepté que son cas soit utilisé uniquement sans son nom ni rien d'autre qui permette de l'identifier.

## Ce qu'ont subi les défenseur·e·s
violation-type-killing = Meurtre
violation-type-killing-help = Le ou la défenseur·e a été tué·e.
violation-type-attempted_killing = Tentative de meurtre
violation-type-attempted_killing-help = Quelqu'un a tenté de tuer le ou la défenseur·e, qui a survécu.
violation-type-death_threat = Menace de mort
violation-type-death_threat-help = Le ou la défenseur·e a été menacé·e de mort.
violation-type-threat_intimidation = Menaces et intimidation
violation-type-threat_intimidation-help = Le ou la défenseur·e a été menacé·e ou intimidé·e d'autres façons, pour l'amener à cesser son action.
violation-type-physical_attack = Agression physique
violation-type-physical_attack-help = Le ou la défenseur·e a été battu·e, blessé·e ou agressé·e physiquement d'une autre manière.
violation-type-sexual_gender_based_violence = Violences sexuelles et fondées sur le genre
violation-type-sexual_gender_based_violence-help = Des violences sexuelles, ou visant une personne en raison de son genre, ou des menaces de telles violences.
violation-type-abduction = Enlèvement
violation-type-abduction-help = Le ou la défenseur·e a été emmené·e et retenu·e contre sa volonté.
violation-type-enforced_disappearance = Disparition forcée
violation-type-enforced_disappearance-help = Le ou la défenseur·e a été emmené·e par des agents de l'État, ou avec son appui, qui le nient ou cachent où il ou elle se trouve.
violation-type-arbitrary_arrest_detention = Arrestation ou détention arbitraire
violation-type-arbitrary_arrest_detention-help = Le ou la défenseur·e a été arrêté·e ou détenu·e sans motif légal ou sans procédure équitable.
violation-type-torture_ill_treatment = Torture ou mauvais traitements
violation-type-torture_ill_treatment-help = Le ou la défenseur·e a été torturé·e ou a subi des traitements cruels, inhumains ou dégradants.
violation-type-judicial_harassment = Harcèlement judiciaire
violation-type-judicial_harassment-help = Des poursuites, des accusations ou des enquêtes servent à réduire le ou la défenseur·e au silence.
violation-type-smear_campaign = Campagne de diffamation
violation-type-smear_campaign-help = Le ou la défenseur·e est publiquement diffamé·e ou étiqueté·e, par exemple comme terroriste ou traître, pour le ou la discréditer.
violation-type-surveillance = Surveillance
violation-type-surveillance-help = Le ou la défenseur·e est observé·e ou suivi·e, ou ses communications sont surveillées.
violation-type-raid_seizure = Perquisition ou saisie
violation-type-raid_seizure-help = Un domicile ou un bureau a été fouillé de force, ou des biens, des dossiers ou des appareils ont été saisis.
violation-type-online_attack = Attaque en ligne
violation-type-online_attack-help = Piratage, harcèlement en ligne ou campagnes contre le ou la défenseur·e sur internet.
violation-type-travel_ban = Interdiction de voyager
violation-type-travel_ban-help = Le ou la défenseur·e est empêché·e de quitter un pays ou d'y entrer.
violation-type-forced_eviction_displacement = Expulsion ou déplacement forcé
violation-type-forced_eviction_displacement-help = Le ou la défenseur·e ou sa communauté a été chassé·e de son logement ou de ses terres.
violation-type-land_property_confiscation = Confiscation de terres ou de biens
violation-type-land_property_confiscation-help = Des terres ou des biens du ou de la défenseur·e ou de sa communauté lui ont été pris.
violation-type-office_closure_deregistration = Fermeture ou radiation d'une organisation
violation-type-office_closure_deregistration-help = Une organisation a été fermée, a perdu son enregistrement légal ou a été empêchée de travailler.
violation-type-protest_repression = Répression d'une manifestation
violation-type-protest_repression-help = Une manifestation ou un rassemblement pacifique a été interdit, dispersé ou réprimé par la force.
violation-type-dismissal_anti_union_reprisal = Licenciement ou représailles antisyndicales
violation-type-dismissal_anti_union_reprisal-help = Le ou la défenseur·e a perdu son emploi, ou a été sanctionné·e, pour son action syndicale ou pour avoir pris la parole au travail.
violation-type-reprisal_against_family = Représailles contre la famille
violation-type-reprisal_against_family-help = Des proches du ou de la défenseur·e ont été visés en raison de son action.
violation-type-other = Autre
violation-type-other-help = Une violation qu'aucun des autres types ne décrit.

## Qui est responsable
perpetrator-category-state_executive = Gouvernement ou autorité de l'État
perpetrator-category-state_executive-help = Le gouvernement, un ministère ou une autre autorité exécutive, nationale ou locale.
perpetrator-category-legislature = Pouvoir législatif
perpetrator-category-legislature-help = Un parlement ou un autre organe législatif, par exemple au moyen d'une loi restrictive.
perpetrator-category-judiciary = Pouvoir judiciaire
perpetrator-category-judiciary-help = Des tribunaux, des juges ou des procureur·e·s.
perpetrator-category-police_military = Police ou armée
perpetrator-category-police_military-help = La police, les forces armées ou d'autres forces de sécurité de l'État.
perpetrator-category-paramilitary = Groupe paramilitaire
perpetrator-category-paramilitary-help = Un groupe armé agissant hors de la loi, souvent avec l'appui ou la tolérance de l'État.
perpetrator-category-private_security = Sécurité privée
perpetrator-category-private_security-help = Des gardes ou des sociétés de sécurité engagés par une entreprise ou un particulier.
perpetrator-category-corporation = Entreprise
perpetrator-category-corporation-help = Une entreprise, ou des personnes agissant pour son compte.
perpetrator-category-landowner = Propriétaire foncier
perpetrator-category-landowner-help = Un·e propriétaire privé·e de terres, ou des personnes agissant pour son compte.
perpetrator-category-international_financial_institution = Institution financière internationale
perpetrator-category-international_financial_institution-help = Une banque de développement ou un bailleur, comme la Banque mondiale, ou un projet qu'il finance.
perpetrator-category-mob = Foule
perpetrator-category-mob-help = Une foule ou un groupe de personnes n'agissant pour aucune structure organisée.
perpetrator-category-unknown = Inconnu
perpetrator-category-unknown-help = On ne sait pas qui est responsable.

## Le lien d'un auteur avec l'attaque
involvement-carried_out = Auteur direct
involvement-carried_out-help = A pris part directement à l'attaque.
involvement-ordered = Commanditaire
involvement-ordered-help = A ordonné ou planifié l'attaque menée par d'autres.
involvement-complicit = Complice
involvement-complicit-help = A aidé, financé ou permis l'attaque sans la mener.
involvement-suspected = Présumé
involvement-suspected-help = Considéré comme responsable, mais ce n'est pas encore établi.

## Les secteurs économiques liés à l'attaque
business-sector-mining = Industrie minière
business-sector-mining-help = Extraction de minerais et de métaux, et exploitation de carrières.
business-sector-hydro_renewables = Hydroélectricité et énergies renouvelables
business-sector-hydro_renewables-help = Barrages, et projets éoliens, solaires ou d'autres énergies renouvelables.
business-sector-oil_gas_coal = Pétrole, gaz et charbon
business-sector-oil_gas_coal-help = Extraction, transport et transformation des combustibles fossiles.
business-sector-agribusiness = Agro-industrie
business-sector-agribusiness-help = Agriculture à grande échelle, plantations et élevage, comme l'huile de palme, le sucre ou le soja.
business-sector-logging = Exploitation forestière
business-sector-logging-help = Abattage et commerce du bois.
business-sector-construction = Construction et infrastructures
business-sector-construction-help = Routes, ports, bâtiments et autres grands projets d'infrastructure.
business-sector-other = Autre
business-sector-other-help = Un secteur économique qui n'est pas dans cette liste.

## Les droits que défendaient les défenseur·e·s
right-land = Droits fonciers
right-land-help = Le droit des personnes et des communautés de posséder, d'utiliser et de conserver leurs terres.
right-housing = Droit au logement
right-housing-help = Le droit à un logement convenable, et la protection contre les expulsions forcées.
right-food = Droit à l'alimentation
right-food-help = Le droit à une nourriture suffisante et adéquate, ou aux moyens de se la procurer.
right-water = Droit à l'eau et à l'assainissement
right-water-help = Le droit à une eau salubre en quantité suffisante pour les usages personnels et domestiques, et à l'assainissement.
right-health = Droit à la santé
right-health-help = Le droit au meilleur état de santé susceptible d'être atteint, et aux soins de santé.
right-environment = Droit à un environnement sain
right-environment-help = Le droit à un environnement propre, sain et durable.
right-work_unions = Droits du travail et droits syndicaux
right-work_unions-help = Les droits au travail, dont des conditions équitables et le droit de fonder un syndicat ou d'y adhérer.
right-culture = Droits culturels
right-culture-help = Le droit de participer à la vie culturelle et de préserver sa langue, ses traditions et son identité.
right-natural_resources_self_determination = Autodétermination et ressources naturelles
right-natural_resources_self_determination-help = Le droit des peuples de décider de leur propre développement et de disposer de leurs ressources naturelles.
right-expression = Liberté d'expression
right-expression-help = La liberté de rechercher, de recevoir et de partager des informations et des opinions.
right-assembly_association = Liberté de réunion et d'association
right-assembly_association-help = La liberté de se rassembler pacifiquement et de fonder une association ou d'y adhérer.

## Ce qui est demandé aux organisations membres
requested-action-kind-letter = Lettre
requested-action-kind-letter-help = Envoyer une lettre aux destinataires, en général à partir du modèle.
requested-action-kind-statement = Déclaration publique
requested-action-kind-statement-help = Publier une déclaration sur le cas au nom de votre organisation.
requested-action-kind-call = Appel téléphonique
requested-action-kind-call-help = Appeler les destinataires pour leur soumettre le cas.
requested-action-kind-social_media = Réseaux sociaux
requested-action-kind-social_media-help = Faire connaître le cas sur les réseaux sociaux.
requested-action-kind-visit = Visite
requested-action-kind-visit-help = Rendre visite au ou à la défenseur·e, ou rencontrer les autorités ou une ambassade au sujet du cas.
requested-action-kind-trial_observation = Observation de procès
requested-action-kind-trial_observation-help = Assister aux audiences du ou de la défenseur·e en tant qu'observateur·rice.
requested-action-kind-other = Autre
requested-action-kind-other-help = Une autre action, décrite dans l'alerte.

## À qui s'adressent les actions
addressee-kind-government = Gouvernement
addressee-kind-government-help = Un ministère, une autorité de l'État ou un·e responsable public·que.
addressee-kind-company = Entreprise
addressee-kind-company-help = Une entreprise impliquée dans le cas.
addressee-kind-investor = Investisseur
addressee-kind-investor-help = Une banque, un fonds ou un actionnaire qui finance ou possède une entreprise impliquée.
addressee-kind-un_mechanism = Mécanisme de l'ONU
addressee-kind-un_mechanism-help = Une procédure spéciale, un organe de traité ou le Haut-Commissariat des Nations Unies aux droits de l'homme.
addressee-kind-regional_mechanism = Mécanisme régional
addressee-kind-regional_mechanism-help = Un organe régional des droits humains, comme la Commission africaine ou la Commission interaméricaine.
addressee-kind-embassy = Ambassade
addressee-kind-embassy-help = Une ambassade étrangère ou ses diplomates dans le pays.
addressee-kind-other = Autre
addressee-kind-other-help = Un autre destinataire, nommé dans l'alerte.

## Comment une alerte s'est terminée
outcome-defender_safe = Défenseur·e en sécurité
outcome-defender_safe-help = Le ou la défenseur·e n'est plus en danger immédiat.
outcome-released = Libéré·e
outcome-released-help = Le ou la défenseur·e a été libéré·e de détention ou de captivité.
outcome-charges_dropped = Charges abandonnées
outcome-charges_dropped-help = Les charges ou les poursuites contre le ou la défenseur·e ont été abandonnées.
outcome-threat_continues = La menace persiste
outcome-threat_continues-help = L'alerte est close, mais le ou la défenseur·e est toujours en danger.
outcome-killed = Tué·e
outcome-killed-help = Le ou la défenseur·e a été tué·e.
outcome-disappeared = Disparu·e
outcome-disappeared-help = Le ou la défenseur·e est toujours porté·e disparu·e, et on ne sait pas où il ou elle se trouve.
outcome-other = Autre
outcome-other-help = Une autre issue, décrite dans la note de clôture.
