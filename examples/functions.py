"""A setup cell, reusable functions and a class: code other notebooks and
scripts can import with `from functions import word_counts`."""

import weir

app = weir.App()

with app.setup:
    # Runs before every other cell; its names are visible everywhere.
    import re
    from collections import Counter

    WORD = re.compile(r"[a-z']+")


@app.function
def word_counts(text):
    """Count the words of `text`, case-insensitively."""
    return Counter(WORD.findall(text.lower()))


@app.function
def top_words(counts, n=3):
    return [word for word, _ in counts.most_common(n)]


@app.class_definition
class Document:
    """A titled text with its word counts."""

    def __init__(self, title, text):
        self.title = title
        self.counts = word_counts(text)

    def summary(self):
        return f"{self.title}: {', '.join(top_words(self.counts))}"


@app.cell
def _():
    text = (
        "It was the best of times, it was the worst of times, "
        "it was the age of wisdom, it was the age of foolishness."
    )
    return (text,)


@app.cell
def _(text):
    doc = Document("A Tale of Two Cities", text)
    print(doc.summary())
    return (doc,)


@app.cell
def _(doc):
    import weir

    weir.md(f"The most common word appears **{doc.counts.most_common(1)[0][1]}** times.")
    return


if __name__ == "__main__":
    app.run()
