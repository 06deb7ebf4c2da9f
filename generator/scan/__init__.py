"""Reading scanned answer sheets: ``python -m generator scan CLASS_DIR FILE...``
(:mod:`.cli`), page by page (:mod:`.read`), for a whole pile (:mod:`.run`),
from PDFs and images (:mod:`.images`)."""

import os

# OpenCV refuses to decode an image of more pixels than this (a 600-dpi A3 page
# is 70 million): a huge or forged image is one unreadable page, not a machine
# out of memory. OpenCV reads the variable once, when it loads, so it is set
# here, before any module of the package imports cv2.
MAX_PIXELS = 120_000_000
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(MAX_PIXELS))
