"""Near-copies across a class: token fingerprints (winnowing), pairs, their reports.

The pipeline, one module each: ``tokens`` (a submission's text as normalised tokens,
names and literals blurred), ``winnow`` (k-grams of tokens, hashed, and the
fingerprints winnowing keeps), ``compare`` (documents, the starter's fingerprints taken
out, the pairs that share many and the line ranges they share), ``render`` (text,
Markdown and JSON of the result).
"""
