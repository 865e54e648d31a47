# An alert's page: its facts, history, and the organisation's answers.
