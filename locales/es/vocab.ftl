# Las etiquetas y las explicaciones breves de cada vocabulario controlado.

## En qué punto está una alerta
status-draft = Borrador
status-draft-help = En redacción; solo su organización puede verla.
status-in_review = En revisión
status-in_review-help = Enviada y a la espera de que una persona coordinadora la revise y la publique.
status-open = Abierta
status-open-help = Publicada; las personas defensoras aún necesitan apoyo.
status-closed = Cerrada
status-closed-help = Terminada; la alerta sigue pudiéndose leer, con su desenlace.
status-withdrawn = Retirada
status-withdrawn-help = Retirada, por ejemplo porque se retiró el consentimiento; su contenido ya no se muestra a otros.

## Roles del personal
role-viewer = Lector/a
role-viewer-help = Puede leer las alertas, pero no puede redactar ni cambiar nada.
role-member = Miembro
role-member-help = Además puede redactar alertas, editar borradores y enviarlos a revisión.
role-coordinator = Coordinador/a
role-coordinator-help = Además puede publicar alertas, ampliar quién las ve, editar alertas publicadas, y cerrarlas o retirarlas.
role-admin = Administrador/a
role-admin-help = Además puede gestionar las cuentas del personal de la organización y consultar su registro de auditoría.

## Quién puede ver una alerta
audience-node = Solo este nodo
audience-node-help = Solo el personal de las organizaciones alojadas en este nodo ve la alerta; no se envía a otros nodos.
audience-restricted = Organizaciones designadas
audience-restricted-help = Solo la reciben las organizaciones nombradas en la alerta, en este nodo o en otros.
audience-trusted = Nodos de confianza
audience-trusted-help = Reciben la alerta las organizaciones de este nodo y de los nodos en los que más confía.
audience-network = Toda la red
audience-network-help = Reciben la alerta todas las organizaciones de este nodo y de todos los nodos conectados con él.
audience-public = Pública
audience-public-help = Cualquiera puede leer la alerta en la web, y toda la red la recibe.

## Cuánto confía este nodo en otro
trust-blocked = Bloqueado
trust-blocked-help = Este nodo rechaza todo lo que viene de ese nodo y no le envía nada.
trust-pending = Pendiente de decisión
trust-pending-help = Aún no hay decisión; ese nodo solo puede pedir federarse.
trust-connected = Conectado
trust-connected-help = Los dos nodos intercambian las alertas compartidas con toda la red.
trust-trusted = De confianza
trust-trusted-help = Ese nodo recibe también las alertas reservadas a los nodos de confianza.

## La respuesta de otro nodo a la solicitud de federación de este nodo
their-answer-none = Sin solicitud
their-answer-none-help = Este nodo no ha pedido a ese nodo federarse.
their-answer-requested = Solicitud enviada
their-answer-requested-help = Este nodo pidió federarse y espera una respuesta.
their-answer-accepted = Aceptada
their-answer-accepted-help = Ese nodo aceptó federarse con este.
their-answer-rejected = Rechazada
their-answer-rejected-help = Ese nodo rechazó federarse con este.

## El envío de un mensaje a otro nodo
delivery-state-pending = En espera de envío
delivery-state-pending-help = El mensaje está en cola y se enviará, o se reintentará, en breve.
delivery-state-delivered = Entregado
delivery-state-delivered-help = El otro nodo confirmó que recibió el mensaje.
delivery-state-failed = Fallido
delivery-state-failed-help = El mensaje no se entregó y no se volverá a intentar.

## Qué hizo cada paso del historial de una alerta
history-action-created = Creada
history-action-created-help = La alerta se redactó por primera vez como borrador.
history-action-edited = Editada
history-action-edited-help = Se modificó el contenido de la alerta.
history-action-consent_recorded = Consentimiento registrado
history-action-consent_recorded-help = Se registró de nuevo el consentimiento de las personas defensoras, otorgado otra vez o de forma más amplia.
history-action-submitted = Enviada a revisión
history-action-submitted-help = El borrador se envió a una persona coordinadora para que lo revise.
history-action-returned_to_draft = Devuelta a borrador
history-action-returned_to_draft-help = Una persona coordinadora devolvió la alerta para que se rehaga.
history-action-published = Publicada
history-action-published-help = La alerta se difundió a su público.
history-action-closed = Cerrada
history-action-closed-help = Se dio por terminada la alerta y se registró su desenlace.
history-action-withdrawn = Retirada
history-action-withdrawn-help = La organización retiró la alerta.
history-action-consent_withdrawn = Consentimiento retirado
history-action-consent_withdrawn-help = Las personas defensoras retiraron su consentimiento, por lo que se retiró la alerta.

## Con qué rapidez hay que actuar (urgencia CAP)
urgency-immediate = Inmediata
urgency-immediate-help = Hay que actuar ya.
urgency-expected = Esperada pronto
urgency-expected-help = Hay que actuar pronto, en la próxima hora aproximadamente.
urgency-future = Futura
urgency-future-help = Habrá que actuar en un futuro próximo.
urgency-past = Pasada
urgency-past-help = Ya no es necesario actuar.
urgency-unknown = Desconocida
urgency-unknown-help = No se sabe con qué rapidez hay que actuar.

## Qué tan grave es la amenaza (severidad CAP)
severity-extreme = Extrema
severity-extreme-help = Una amenaza extraordinaria para la vida o la seguridad.
severity-severe = Grave
severity-severe-help = Una amenaza importante para la vida o la seguridad.
severity-moderate = Moderada
severity-moderate-help = Una posible amenaza para la vida o la seguridad.
severity-minor = Menor
severity-minor-help = Una amenaza mínima o nula, según lo que se sabe, para la vida o la seguridad.
severity-unknown = Desconocida
severity-unknown-help = No se sabe qué tan grave es la amenaza.

## Qué tan segura es la información (certeza CAP)
certainty-confirmed = Confirmada
certainty-confirmed-help = Se ha verificado que los hechos ocurrieron o están ocurriendo.
certainty-likely = Probable
certainty-likely-help = Más probable que improbable (más de una posibilidad entre dos, aproximadamente).
certainty-possible = Posible
certainty-possible-help = Posible, pero no probable (una posibilidad entre dos o menos).
certainty-unlikely = Improbable
certainty-unlikely-help = No se espera que ocurra.
certainty-unknown = Desconocida
certainty-unknown-help = No se sabe qué tan segura es la información.

## Quiénes son las personas defensoras
defender-kind-individual = Persona
defender-kind-individual-help = Una persona que defiende los derechos humanos.
defender-kind-organisation = Organización
defender-kind-organisation-help = Un grupo con nombre y estructura, como una asociación o un sindicato.
defender-kind-community = Comunidad
defender-kind-community-help = Una comunidad, como un pueblo indígena o una aldea, que defiende sus derechos de forma colectiva.
defender-kind-movement = Movimiento
defender-kind-movement-help = Un movimiento o una campaña más amplia, que no es una sola organización.

## Qué relación tienen las personas defensoras con la red
defender-relationship-member = Miembro de la red
defender-relationship-member-help = La persona defensora es, o pertenece a, una organización miembro de la red.
defender-relationship-close_partner = Aliada cercana
defender-relationship-close_partner-help = La persona defensora trabaja estrechamente con la red sin ser miembro.
defender-relationship-other = Otra
defender-relationship-other-help = La persona defensora no tiene un vínculo estrecho con la red.

## Para qué aceptaron las personas defensoras que se use su caso
consent-use-public_appeal = Llamamiento público
consent-use-public_appeal-help = La persona defensora aceptó que su caso se publique para que cualquiera lo lea.
consent-use-private_advocacy = Incidencia privada
consent-use-private_advocacy-help = La persona defensora aceptó que su caso se comparta dentro de la red, pero no que se publique.
consent-use-named_addressees_only = Solo organizaciones designadas
consent-use-named_addressees_only-help = La persona defensora aceptó que su caso se comparta solo con las organizaciones nombradas en la alerta.
consent-use-anonymised = Anonimizado
consent-use-anonymised-help = La persona defensora aceptó que su caso se use solo sin su nombre ni nada más que permita identificarla.

## Qué les ocurrió a las personas defensoras
violation-type-killing = Asesinato
violation-type-killing-help = La persona defensora fue asesinada.
violation-type-attempted_killing = Intento de asesinato
violation-type-attempted_killing-help = Alguien intentó matar a la persona defensora, que sobrevivió.
violation-type-death_threat = Amenaza de muerte
violation-type-death_threat-help = La persona defensora recibió amenazas de muerte.
violation-type-threat_intimidation = Amenazas e intimidación
violation-type-threat_intimidation-help = La persona defensora fue amenazada o intimidada de otras formas, para que abandone su labor.
violation-type-physical_attack = Agresión física
violation-type-physical_attack-help = La persona defensora fue golpeada, herida o agredida físicamente de otra forma.
violation-type-sexual_gender_based_violence = Violencia sexual y de género
violation-type-sexual_gender_based_violence-help = Violencia sexual, o dirigida contra alguien por su género, o amenazas de ella.
violation-type-abduction = Secuestro
violation-type-abduction-help = La persona defensora fue llevada y retenida contra su voluntad.
violation-type-enforced_disappearance = Desaparición forzada
violation-type-enforced_disappearance-help = La persona defensora fue llevada por agentes del Estado, o con su apoyo, que lo niegan u ocultan su paradero.
violation-type-arbitrary_arrest_detention = Detención arbitraria
violation-type-arbitrary_arrest_detention-help = La persona defensora fue arrestada o retenida sin motivo legal o sin un procedimiento justo.
violation-type-torture_ill_treatment = Tortura o malos tratos
violation-type-torture_ill_treatment-help = La persona defensora fue torturada o sometida a tratos crueles, inhumanos o degradantes.
violation-type-judicial_harassment = Hostigamiento judicial
violation-type-judicial_harassment-help = Se usan demandas, acusaciones o investigaciones para silenciar a la persona defensora.
violation-type-smear_campaign = Campaña de desprestigio
violation-type-smear_campaign-help = La persona defensora es difamada o estigmatizada públicamente, por ejemplo como terrorista o traidora, para desacreditarla.
violation-type-surveillance = Vigilancia
violation-type-surveillance-help = La persona defensora es vigilada o seguida, o sus comunicaciones son interceptadas.
violation-type-raid_seizure = Allanamiento o incautación
violation-type-raid_seizure-help = Se registró por la fuerza una vivienda u oficina, o se incautaron bienes, archivos o dispositivos.
violation-type-online_attack = Ataque en línea
violation-type-online_attack-help = Hackeo, acoso en línea o campañas contra la persona defensora en internet.
violation-type-travel_ban = Prohibición de viajar
violation-type-travel_ban-help = Se impide a la persona defensora salir de un país o entrar en él.
violation-type-forced_eviction_displacement = Desalojo o desplazamiento forzado
violation-type-forced_eviction_displacement-help = La persona defensora o su comunidad fue expulsada de su vivienda o de su tierra.
violation-type-land_property_confiscation = Despojo de tierras o bienes
violation-type-land_property_confiscation-help = Se quitaron tierras o bienes a la persona defensora o a su comunidad.
violation-type-office_closure_deregistration = Cierre o cancelación del registro
violation-type-office_closure_deregistration-help = Una organización fue cerrada, perdió su registro legal o se le impidió trabajar.
violation-type-protest_repression = Represión de la protesta
violation-type-protest_repression-help = Una protesta o reunión pacífica fue prohibida, disuelta o reprimida por la fuerza.
violation-type-dismissal_anti_union_reprisal = Despido o represalia antisindical
violation-type-dismissal_anti_union_reprisal-help = La persona defensora perdió su empleo, o fue sancionada, por su labor sindical o por alzar la voz en el trabajo.
violation-type-reprisal_against_family = Represalias contra la familia
violation-type-reprisal_against_family-help = Se atacó a familiares de la persona defensora por la labor de esta.
violation-type-other = Otra
violation-type-other-help = Una violación que ninguno de los otros tipos describe.

## Quién es responsable
perpetrator-category-state_executive = Gobierno o autoridad del Estado
perpetrator-category-state_executive-help = El gobierno, un ministerio u otra autoridad ejecutiva, nacional o local.
perpetrator-category-legislature = Poder legislativo
perpetrator-category-legislature-help = Un parlamento u otro órgano legislativo, por ejemplo mediante una ley restrictiva.
perpetrator-category-judiciary = Poder judicial
perpetrator-category-judiciary-help = Tribunales, jueces o fiscales.
perpetrator-category-police_military = Policía o fuerzas armadas
perpetrator-category-police_military-help = La policía, las fuerzas armadas u otras fuerzas de seguridad del Estado.
perpetrator-category-paramilitary = Grupo paramilitar
perpetrator-category-paramilitary-help = Un grupo armado que actúa al margen de la ley, a menudo con el apoyo o la tolerancia del Estado.
perpetrator-category-private_security = Seguridad privada
perpetrator-category-private_security-help = Guardias o empresas de seguridad contratados por una empresa o un particular.
perpetrator-category-corporation = Empresa
perpetrator-category-corporation-help = Una empresa, o personas que actúan en su nombre.
perpetrator-category-landowner = Terrateniente
perpetrator-category-landowner-help = Un propietario privado de tierras, o personas que actúan en su nombre.
perpetrator-category-international_financial_institution = Institución financiera internacional
perpetrator-category-international_financial_institution-help = Un banco de desarrollo o un prestamista, como el Banco Mundial, o un proyecto que financia.
perpetrator-category-mob = Turba
perpetrator-category-mob-help = Una multitud o un grupo de personas que no actúa en nombre de ninguna estructura organizada.
perpetrator-category-unknown = Desconocido
perpetrator-category-unknown-help = No se sabe quién es responsable.

## Cómo está vinculado un responsable con el ataque
involvement-carried_out = Autor material
involvement-carried_out-help = Participó directamente en el ataque.
involvement-ordered = Autor intelectual
involvement-ordered-help = Ordenó o planeó el ataque que otros llevaron a cabo.
involvement-complicit = Cómplice
involvement-complicit-help = Ayudó, financió o permitió el ataque sin llevarlo a cabo.
involvement-suspected = Presunto responsable
involvement-suspected-help = Se le considera responsable, pero aún no está establecido.

## Sectores económicos vinculados al ataque
business-sector-mining = Minería
business-sector-mining-help = Extracción de minerales y metales, y canteras.
business-sector-hydro_renewables = Hidroeléctricas y energías renovables
business-sector-hydro_renewables-help = Represas, y proyectos eólicos, solares o de otras energías renovables.
business-sector-oil_gas_coal = Petróleo, gas y carbón
business-sector-oil_gas_coal-help = Extracción, transporte y procesamiento de combustibles fósiles.
business-sector-agribusiness = Agronegocios
business-sector-agribusiness-help = Agricultura a gran escala, monocultivos y ganadería, como la palma aceitera, el azúcar o la soja.
business-sector-logging = Explotación forestal
business-sector-logging-help = Tala y comercio de madera.
business-sector-construction = Construcción e infraestructura
business-sector-construction-help = Carreteras, puertos, edificios y otros grandes proyectos de infraestructura.
business-sector-other = Otro
business-sector-other-help = Un sector económico que no figura en esta lista.

## Los derechos que defendían las personas defensoras
right-land = Derecho a la tierra
right-land-help = El derecho de las personas y comunidades a poseer, usar y conservar su tierra.
right-housing = Derecho a la vivienda
right-housing-help = El derecho a una vivienda adecuada, y la protección frente a los desalojos forzosos.
right-food = Derecho a la alimentación
right-food-help = El derecho a una alimentación suficiente y adecuada, o a los medios para obtenerla.
right-water = Derecho al agua y al saneamiento
right-water-help = El derecho a agua salubre y suficiente para el uso personal y doméstico, y al saneamiento.
right-health = Derecho a la salud
right-health-help = El derecho al más alto nivel posible de salud, y a la atención sanitaria.
right-environment = Derecho a un medio ambiente sano
right-environment-help = El derecho a un medio ambiente limpio, saludable y sostenible.
right-work_unions = Derechos laborales y sindicales
right-work_unions-help = Los derechos en el trabajo, incluidas condiciones justas y el derecho a fundar sindicatos o afiliarse a ellos.
right-culture = Derechos culturales
right-culture-help = El derecho a participar en la vida cultural y a conservar la propia lengua, tradiciones e identidad.
right-natural_resources_self_determination = Libre determinación y recursos naturales
right-natural_resources_self_determination-help = El derecho de los pueblos a decidir su propio desarrollo y a disponer de sus recursos naturales.
right-expression = Libertad de expresión
right-expression-help = La libertad de buscar, recibir y difundir información y opiniones.
right-assembly_association = Libertad de reunión y de asociación
right-assembly_association-help = La libertad de reunirse pacíficamente y de fundar asociaciones o afiliarse a ellas.

## Qué se pide a las organizaciones miembro
requested-action-kind-letter = Carta
requested-action-kind-letter-help = Enviar una carta a los destinatarios, por lo general a partir del texto modelo.
requested-action-kind-statement = Declaración pública
requested-action-kind-statement-help = Publicar una declaración sobre el caso en nombre de su organización.
requested-action-kind-call = Llamada telefónica
requested-action-kind-call-help = Llamar a los destinatarios para plantearles el caso.
requested-action-kind-social_media = Redes sociales
requested-action-kind-social_media-help = Difundir el caso en redes sociales.
requested-action-kind-visit = Visita
requested-action-kind-visit-help = Visitar a la persona defensora, o reunirse con las autoridades o una embajada sobre el caso.
requested-action-kind-trial_observation = Observación de juicios
requested-action-kind-trial_observation-help = Asistir como observador/a a las audiencias de la persona defensora.
requested-action-kind-other = Otra
requested-action-kind-other-help = Otra acción, descrita en la alerta.

## A quién se dirigen las acciones
addressee-kind-government = Gobierno
addressee-kind-government-help = Un ministerio, una autoridad del Estado o un cargo público.
addressee-kind-company = Empresa
addressee-kind-company-help = Una empresa implicada en el caso.
addressee-kind-investor = Inversor
addressee-kind-investor-help = Un banco, fondo o accionista que financia o es dueño de una empresa implicada.
addressee-kind-un_mechanism = Mecanismo de la ONU
addressee-kind-un_mechanism-help = Un procedimiento especial, un órgano de tratado o la Oficina del Alto Comisionado de las Naciones Unidas para los Derechos Humanos.
addressee-kind-regional_mechanism = Mecanismo regional
addressee-kind-regional_mechanism-help = Un órgano regional de derechos humanos, como la Comisión Africana o la Comisión Interamericana.
addressee-kind-embassy = Embajada
addressee-kind-embassy-help = Una embajada extranjera o su personal diplomático en el país.
addressee-kind-other = Otro
addressee-kind-other-help = Otro destinatario, nombrado en la alerta.

## Cómo terminó una alerta
outcome-defender_safe = Persona defensora a salvo
outcome-defender_safe-help = La persona defensora ya no está en peligro inmediato.
outcome-released = Liberada
outcome-released-help = La persona defensora fue liberada de la detención o del cautiverio.
outcome-charges_dropped = Cargos retirados
outcome-charges_dropped-help = Se retiraron los cargos o se archivó el proceso contra la persona defensora.
outcome-threat_continues = La amenaza continúa
outcome-threat_continues-help = La alerta está cerrada, pero la persona defensora sigue en peligro.
outcome-killed = Asesinada
outcome-killed-help = La persona defensora fue asesinada.
outcome-disappeared = Desaparecida
outcome-disappeared-help = La persona defensora sigue desaparecida y se desconoce su paradero.
outcome-other = Otro
outcome-other-help = Otro desenlace, descrito en la nota de cierre.
