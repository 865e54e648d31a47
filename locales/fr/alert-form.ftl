# The alert form (new and edit), the audience picker, and the review and publication steps.
