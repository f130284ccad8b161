"""Builders for the real-world documents of issue 18: Word, PowerPoint, locked and scanned
PDFs, and text in cp1252 and UTF-16. Each writes a real file with the library users' own
programs would produce it with (python-docx, python-pptx, fpdf2 + pypdf, Pillow)."""

from __future__ import annotations

import io
from pathlib import Path

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

# Rows of the study table used in the DOCX and the PPTX: enough that the DOCX table needs
# several chunks, so the repeated header row can be checked.
TABLE_HEADER = ["Service", "Serving mode", "Typical latency"]
TABLE_ROWS = [
    ["Vertex AI online prediction", "synchronous endpoint", "tens of milliseconds"],
    ["Vertex AI batch prediction", "asynchronous job over Cloud Storage", "minutes to hours"],
    ["BigQuery ML ML.PREDICT", "SQL query over a table", "seconds"],
]


def docx_file(path: Path, *, table_repeat: int = 20) -> Path:
    """Headings, body text and a long table (``table_repeat`` copies of the rows)."""
    import docx

    d = docx.Document()
    d.core_properties.title = ""
    d.add_paragraph("Serving study notes", style="Title")
    d.add_heading("Feature engineering", level=1)
    d.add_paragraph("Vertex AI Feature Store keeps feature values for online serving and "
                    "offline training, so training-serving skew stays small.")
    d.add_heading("Serving options", level=1)
    d.add_heading("Latency comparison", level=2)
    d.add_paragraph("The table compares serving modes.")
    table = d.add_table(rows=1, cols=3)
    for cell, text in zip(table.rows[0].cells, TABLE_HEADER):
        cell.text = text
    for i in range(table_repeat):
        for row in TABLE_ROWS:
            cells = table.add_row().cells
            for cell, text in zip(cells, row):
                cell.text = f"{text} ({i + 1})" if cell is cells[0] else text
    d.add_heading("Monitoring", level=1)
    d.add_paragraph("Model monitoring compares the serving data distribution with the "
                    "training baseline and alerts on drift.")
    d.save(str(path))
    return path


def pptx_file(path: Path) -> Path:
    """Three slides: bullets, bullets with speaker notes, and a table."""
    import pptx
    from pptx.util import Inches

    deck = pptx.Presentation()
    s1 = deck.slides.add_slide(deck.slide_layouts[1])
    s1.shapes.title.text = "Pipelines overview"
    s1.placeholders[1].text_frame.text = "Vertex AI Pipelines runs Kubeflow pipeline definitions"
    s2 = deck.slides.add_slide(deck.slide_layouts[1])
    s2.shapes.title.text = "Continuous training"
    s2.placeholders[1].text_frame.text = "Retrain when monitoring reports drift"
    s2.notes_slide.notes_text_frame.text = ("Say in class: Cloud Scheduler can trigger the "
                                            "retraining pipeline every night.")
    s3 = deck.slides.add_slide(deck.slide_layouts[5])
    s3.shapes.title.text = "Serving latency"
    shape = s3.shapes.add_table(len(TABLE_ROWS) + 1, 3, Inches(0.5), Inches(1.5), Inches(9),
                                Inches(3))
    for c, text in enumerate(TABLE_HEADER):
        shape.table.cell(0, c).text = text
    for r, row in enumerate(TABLE_ROWS, start=1):
        for c, text in enumerate(row):
            shape.table.cell(r, c).text = text
    deck.save(str(path))
    return path


def text_pdf(path: Path, text: str) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 8, text)
    pdf.output(str(path))
    return path


def encrypt_pdf(src: Path, dst: Path, *, user_password: str, algorithm: str = "AES-256") -> Path:
    from pypdf import PdfWriter

    w = PdfWriter(clone_from=str(src))
    w.encrypt(user_password=user_password, owner_password="owner-secret", algorithm=algorithm)
    with dst.open("wb") as fh:
        w.write(fh)
    return dst


def scanned_pdf(path: Path, lines: list[str]) -> Path:
    """An image-only PDF: the lines rendered into a 200 dpi page image, no text layer."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("L", (1654, 2339), 255)  # A4 at 200 dpi
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 40)
    y = 150
    for line in lines:
        draw.text((120, y), line, fill=0, font=font)
        y += 70
    buf = io.BytesIO()
    img.save(buf, format="PDF", resolution=200)
    path.write_bytes(buf.getvalue())
    return path


CP1252_TEXT = ("Serving notes\n=============\n\n"
               "The \u201cTraining-serving skew\u201d check compares feature distributions \u2014 "
               "na\u00efve pipelines miss it. Caf\u00e9 r\u00e9sum\u00e9 \u00a7 4.2.\n")
UTF16_TEXT = ("Monitoring notes\n================\n\n"
              "Vertex AI Model Monitoring alerts on prediction drift. \u00c9t\u00e9 \u2192 "
              "hiver.\n")


def cp1252_file(path: Path) -> Path:
    path.write_bytes(CP1252_TEXT.encode("cp1252"))
    return path


def utf16_file(path: Path) -> Path:
    path.write_bytes(UTF16_TEXT.encode("utf-16"))  # with a BOM, in native byte order
    return path


def table_pdf(path: Path, rows: int = 45) -> Path:
    """Text, a table of ``rows`` rows that runs onto a second page (fpdf2 does not repeat the
    header there), then text. Cells fit on one line: the simple grid pdf_tables recognises."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 8, "Serving options compared below.")
    with pdf.table(repeat_headings=0) as table:
        for cells in [TABLE_HEADER] + [[f"Endpoint {i}", ("online", "batch", "SQL")[i % 3],
                                        ("ms", "hours", "seconds")[i % 3]] for i in range(rows)]:
            row = table.row()
            for text in cells:
                row.cell(text)
    pdf.multi_cell(0, 8, "Text after the table.")
    pdf.output(str(path))
    return path
