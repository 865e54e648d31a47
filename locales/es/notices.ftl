# Avisos por correo electrónico (enviados al personal; el asunto y ambas partes).
notice-network-alert = Una alerta de la red coincide con sus avisos.
notice-local-alert = Una alerta de otra organización de este nodo coincide con sus avisos.
notice-review-requested = Una alerta de su organización espera revisión.
notice-returned-to-draft = Una alerta de su organización fue devuelta a quienes la redactaron.
notice-published = Una alerta de su organización fue publicada.
notice-subject = { $number }: { $title }
notice-subject-limited = Alerta { $number }
notice-limited = La audiencia de esta alerta es limitada: este mensaje no contiene nada de ella. Ábrala en el nodo para leerla.
notice-urgency = Urgencia
notice-country = País
notice-open = Abrir la alerta
notice-why = Recibe este mensaje por sus ajustes de avisos en { $node }. Cámbielos en la página de su cuenta:
notice-digest-subject = Su resumen diario: { $count } avisos
notice-digest-intro = Lo que se le avisó desde su último resumen:
