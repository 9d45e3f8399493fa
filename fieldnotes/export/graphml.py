"""`report ties --graphml` / `export graphml`: the recorded ties as a weighted network.

GraphML, as Gephi, networkx, Cytoscape and igraph read it: one node per
organization tagged on the exported notes (its type and how many notes tag it
as attributes), one undirected edge per pair with recorded ties. An edge's
`weight` is the total intensity of the ties between the pair; it also carries
the count, the mean intensity, the types, the first and last date, and one
weight per type of tie (`weight_referral`...), so a network of one kind of tie
is a filter away. Written with the export's small XML writer: no dependency.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from fieldnotes.errors import NothingToExportError
from fieldnotes.export.common import ExportReport, plural, prepare_file
from fieldnotes.export.xml_writer import XmlWriter
from fieldnotes.files import atomic_writer, write_all
from fieldnotes.reports import recorded_ties
from fieldnotes.text import tag_key
from fieldnotes.ties import TIE_TYPES

if TYPE_CHECKING:
    from fieldnotes.export.job import ExportJob
    from fieldnotes.model import Note, Organization

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
NODE_KEYS = (("label", "label", "string"), ("org_type", "org_type", "string"), ("notes", "notes", "int"))
EDGE_KEYS = (
    ("weight", "weight", "double"),
    ("count", "count", "int"),
    ("mean_intensity", "mean_intensity", "double"),
    ("types", "types", "string"),
    ("first", "first", "string"),
    ("last", "last", "string"),
    *(
        (f"w{i}", f"weight_{kind.replace(' ', '_').replace('-', '_')}", "double")
        for i, kind in enumerate(TIE_TYPES)
    ),
)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.4g}"


def graphml_bytes(notes: list[Note], organizations: list[Organization]) -> tuple[bytes, int, int]:
    """The network as GraphML bytes, with its number of nodes and edges."""
    names = {key: org.name for org in organizations for key in org.spellings()}
    types = {org.name: org.type for org in organizations}
    tagged: Counter[str] = Counter()
    for note in notes:
        for org in {names.get(tag_key(name), name) for name in note.organizations}:
            tagged[org] += 1
    levels: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_type: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    days: dict[tuple[str, str], list[str]] = defaultdict(list)
    for note, tie in recorded_ties(notes, organizations):
        pair = tie.pair
        levels[pair].append(tie.intensity)
        by_type[pair][tie.type] += tie.intensity
        days[pair].append(note.start[:10])
    nodes = sorted({*tagged, *(name for pair in levels for name in pair)}, key=lambda n: (n.casefold(), n))
    ids = {name: f"n{i}" for i, name in enumerate(nodes)}
    xml = XmlWriter()
    with xml.element("graphml", xmlns=GRAPHML_NS):
        for key, name, kind in NODE_KEYS:
            xml.leaf("key", **{"id": key, "for": "node", "attr.name": name, "attr.type": kind})
        for key, name, kind in EDGE_KEYS:
            xml.leaf("key", **{"id": key, "for": "edge", "attr.name": name, "attr.type": kind})
        with xml.element("graph", id="ties", edgedefault="undirected"):
            for name in nodes:
                with xml.element("node", id=ids[name]):
                    _data(xml, "label", name)
                    _data(xml, "org_type", types.get(name, ""))
                    _data(xml, "notes", str(tagged[name]))
            for number, (pair, values) in enumerate(sorted(levels.items(), key=lambda item: item[0])):
                with xml.element("edge", id=f"e{number}", source=ids[pair[0]], target=ids[pair[1]]):
                    _data(xml, "weight", str(sum(values)))
                    _data(xml, "count", str(len(values)))
                    _data(xml, "mean_intensity", _number(sum(values) / len(values)))
                    _data(xml, "types", "; ".join(kind for kind in TIE_TYPES if by_type[pair][kind]))
                    _data(xml, "first", min(days[pair]))
                    _data(xml, "last", max(days[pair]))
                    for i, kind in enumerate(TIE_TYPES):
                        _data(xml, f"w{i}", str(by_type[pair][kind]))
    return xml.to_bytes(), len(nodes), len(levels)


def _data(xml: XmlWriter, key: str, value: str) -> None:
    xml.text_with("data", value, {"key": key})


def write_graphml(path: Path, job: ExportJob, *, force: bool = False) -> ExportReport:
    with_ties = [note for note in job.notes if note.ties]
    if not with_ties:
        raise NothingToExportError(
            "no collaboration ties are recorded on the notes to export: nothing was written "
            "(record them on a meeting or event with --tie 'ORG A|ORG B|TYPE|INTENSITY')"
        )
    data, nodes, edges = graphml_bytes(job.notes, job.organizations)
    prepare_file(path, force)
    with atomic_writer(path, before_replace=job.settled) as fd:
        write_all(fd, data)
    report = ExportReport(
        notes=len(with_ties), format="graphml", target=path, note_ids=[note.id for note in with_ties]
    )
    report.wrote(path, f"{plural(nodes, 'organization')}, {plural(edges, 'weighted tie')} (GraphML)")
    return report
