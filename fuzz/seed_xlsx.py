"""Writes small officer-style workbooks (title row, header, 是/否 cells, a 合计 row, a
machinery sheet) as fuzz seeds, with the standard library's zipfile only."""
import sys, zipfile, os
from xml.sax.saxutils import escape

def cell(ref, v):
    if isinstance(v, (int, float)):
        return f'<c r="{ref}"><v>{v}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'

def sheet(rows, merge=None):
    body = []
    for r, row in enumerate(rows, 1):
        cells = "".join(cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row) if v != "")
        body.append(f'<row r="{r}">{cells}</row>')
    merges = f'<mergeCells count="1"><mergeCell ref="{merge}"/></mergeCells>' if merge else ""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<sheetData>{"".join(body)}</sheetData>{merges}</worksheet>')

def book(path, sheets):
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, len(sheets) + 1))
            + '</Types>')
        z.writestr("_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns}><sheets>'
            + "".join(f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>' for i, (name, _, _) in enumerate(sheets, 1))
            + '</sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
            + '</Relationships>')
        for i, (_, rows, merge) in enumerate(sheets, 1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", sheet(rows, merge))

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
firms = [
    ["朝阳区重污染天气应急减排清单", "", "", "", "", "", ""],
    ["序号", "统一社会信用代码", "企业名称", "行业", "绩效等级", "涉气排放", "黄色预警是否纳入清单"],
    [1, "91310110666007217T", "北京甲家具有限公司", "家具制造", "B级", "是", "是"],
    [2, "91110111572812549C", "北京西山建材水泥熟料有限公司", "水泥熟料", "A", "是", "否"],
    ["合计", "", "", "", "", "", ""],
]
machines = [
    ["企业", "编号", "动力", "排放阶段"],
    ["91310110666007217T", "CY-1", "燃油", "国三"],
    ["91310110666007217T", "CY-2", "纯电动", ""],
]
book(os.path.join(out, "district.xlsx"), [("企业清单", firms, "A1:G1"), ("非道路移动机械", machines, None)])
book(os.path.join(out, "firms-only.xlsx"), [("Sheet1", firms[1:4], None)])
