# The dashboard: alerts from this node and the network, and what needs attention.
