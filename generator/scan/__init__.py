"""Reading scanned answer sheets: ``python -m generator scan CLASS_DIR FILE...``
(:mod:`.cli`), page by page (:mod:`.read`), for a whole pile (:mod:`.run`),
from PDFs and images (:mod:`.images`)."""
