# The labels and short explanations of every controlled vocabulary.
