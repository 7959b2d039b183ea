"""永康市 "属地管理"事项协同机制、流程图清单 (document 000): 68 mechanisms, text in, catalog records out.

Three stages, each its own module: `yongkang_parse` reads the records out of the damaged text,
`yongkang_classify` decides each mechanism's procedure shape from its own wording, and
`yongkang_templates` builds the shape's step graph with parameters read from the mechanism. This
module maps the result onto the catalog model and names each record with a stable ASCII id.
"""

from __future__ import annotations

import re
from typing import ClassVar

import structlog

from xietong.catalog.importers.base import ImportContext, ImportResult, register
from xietong.catalog.importers.yongkang_classify import ClassificationError, classify
from xietong.catalog.importers.yongkang_graph import Mentions, Spelling
from xietong.catalog.importers.yongkang_parse import SOURCE_NAME, ParseError, RawMechanism, parse_text
from xietong.catalog.importers.yongkang_templates import build_procedure
from xietong.catalog.model import Duty, Mechanism, MechanismKind, Role, SourceRef
from xietong.catalog.registry import DepartmentRegistry, resolve_role

log = structlog.get_logger(__name__)

JURISDICTION = "yongkang"
EXPECTED_MECHANISMS = 68

#: number → (id slug, a phrase the title must contain). The phrase guards the id: if the document is
#: renumbered, the import fails loudly instead of giving mechanism 12's id to mechanism 13.
SLUGS: dict[int, tuple[str, str]] = {
    1: ("oil_gas_pipeline", "石油天然气管道"),
    2: ("bulk_cement", "散装水泥"),
    3: ("new_wall_materials", "新墙材"),
    4: ("idle_industrial_land", "二次开发"),
    5: ("off_campus_training", "校外培训"),
    6: ("campus_surroundings", "校园周边"),
    7: ("kindergartens", "幼儿园"),
    8: ("road_accident_prevention", "道路交通事故"),
    9: ("migrants_rentals", "流动人口"),
    10: ("funerals", "殡葬"),
    11: ("wage_arrears", "欠薪"),
    12: ("illegal_mining", "非法采矿"),
    13: ("temporary_land_use", "临时用地"),
    14: ("illegal_land_use", "违法用地"),
    15: ("nature_reserves", "自然保护地"),
    16: ("land_consolidation", "全域土地综合整治"),
    17: ("illegal_logging", "非法采伐林木"),
    18: ("forest_land_occupation", "非法占用林地"),
    19: ("terrestrial_wildlife", "陆生野生动植物"),
    20: ("forest_seedlings", "林木种苗"),
    21: ("urban_gas", "城镇燃气"),
    22: ("dilapidated_housing", "危旧房"),
    23: ("highway_control_zone", "公路建控区"),
    24: ("hazchem_transport", "危险化学品运输"),
    25: ("roadside_stalls", "公路两侧摆摊"),
    26: ("highway_facilities", "公路设施保护"),
    27: ("flash_floods", "山洪灾害"),
    28: ("water_area_occupation", "占用水域"),
    29: ("soil_water_conservation", "水土保持"),
    30: ("water_abstraction", "取水"),
    31: ("sand_mining", "采砂"),
    32: ("water_facilities", "水利设施"),
    33: ("small_hydropower", "小水电站"),
    34: ("ponds_reservoirs", "山塘水库"),
    35: ("illegal_fishing", "非法捕捞"),
    36: ("farm_produce_safety", "农产品质量安全"),
    37: ("illegal_slaughter", "私屠滥宰"),
    38: ("animal_plant_epidemics", "动植物疫病"),
    39: ("dead_animal_disposal", "病死动物"),
    40: ("pesticide_packaging", "农药废弃包装物"),
    41: ("cultural_relics", "文物保护"),
    42: ("entertainment_internet_cafes", "娱乐场所"),
    43: ("satellite_receivers", "卫星地面接收设施"),
    44: ("scenic_spots_homestays", "景区和民宿"),
    45: ("illegal_medical_practice", "非法行医"),
    46: ("occupational_disease", "职业病"),
    47: ("disease_vectors", "病媒生物"),
    48: ("infectious_diseases", "传染病"),
    49: ("severe_mental_disorders", "严重精神障碍"),
    50: ("natural_disaster_relief", "自然灾害"),
    51: ("work_safety", "安全生产"),
    52: ("hazchem_safety", "危险化学品安全"),
    53: ("fireworks", "烟花爆竹"),
    54: ("small_shops_stalls", "三小一摊"),
    55: ("special_equipment", "特种设备"),
    56: ("pyramid_selling", "传销"),
    57: ("illegal_fuelling", "非法加油"),
    58: ("farmers_markets", "农贸市场"),
    59: ("construction_dust", "扬尘"),
    60: ("dog_keeping", "养犬"),
    61: ("waste_sorting", "生活垃圾分类"),
    62: ("straw_burning", "焚烧秸秆"),
    63: ("street_vending", "无照及占道经营"),
    64: ("planning_permit_violations", "建设工程规划许可"),
    65: ("construction_waste", "建筑垃圾"),
    66: ("livestock_pollution", "畜禽养殖污染"),
    67: ("industrial_emissions", "工业废气"),
    68: ("industrial_solid_waste", "工业固体废物"),
}

#: Placeholder spellings in this document that the shared role table does not list.
LOCAL_ROLES: dict[str, Role] = {
    "其他部门": Role.relevant_departments,
    "协同机关部门和国有企事业单位": Role.collaborating_units,
}

_AND_OTHERS = re.compile(r"等(相关)?部门$")
_NAMED_HOLDER = re.compile(r"^([^，。、；]{2,12}?)负责")


def mechanism_id(raw: RawMechanism) -> str:
    """`yongkang_NN_slug`; raises if the number's slug does not belong to this title."""
    slug, phrase = SLUGS.get(raw.number, (None, None))
    if slug is None or phrase is None or phrase not in raw.title:
        raise ParseError(
            SOURCE_NAME,
            raw.start_line,
            f"mechanism {raw.number} {raw.title!r}: no id slug for it "
            f"(expected a title containing {phrase!r}); update SLUGS after checking the document",
        )
    return f"{JURISDICTION}_{raw.number:02d}_{slug}"


def mentions_for(registry: DepartmentRegistry) -> Mentions:
    return Mentions(
        [
            Spelling(text, dept.id, dept.name)
            for dept in registry.departments.values()
            for text in (dept.name, *dept.aliases)
        ]
    )


@register
class YongkangImporter:
    """Document 000 → 68 Mechanism proposals (review state `proposed`)."""

    document: ClassVar[str] = SOURCE_NAME
    jurisdiction: ClassVar[str] = JURISDICTION

    def run(self, text: str, context: ImportContext) -> ImportResult:
        result = ImportResult(document=SOURCE_NAME)
        if context.registry is None:  # config/departments/yongkang.yaml missing or invalid
            result.warn(
                None,
                f"not imported: no valid {JURISDICTION} department registry "
                f"(config/departments/{JURISDICTION}.yaml; run `xietong catalog validate`)",
            )
            return result
        try:
            raws = parse_text(text)
        except ParseError as exc:  # the document's structure is broken: say where, import nothing
            result.warn(exc.line, f"not imported: {str(exc).split(': ', 1)[1]}")
            log.debug("import.yongkang.unreadable", line=exc.line, error=str(exc))
            return result
        if len(raws) != EXPECTED_MECHANISMS:
            result.warn(None, f"found {len(raws)} mechanisms, expected {EXPECTED_MECHANISMS}")
        mentions = mentions_for(context.registry)
        for raw in raws:
            try:
                result.mechanisms.append(self.mechanism(raw, context, mentions, result))
            except (ClassificationError, ValueError) as exc:
                result.warn(raw.start_line, f"mechanism {raw.number} not imported: {exc}")
        log.debug("import.yongkang", mechanisms=len(result.mechanisms), warnings=len(result.warnings))
        return result

    def mechanism(
        self, raw: RawMechanism, context: ImportContext, mentions: Mentions, result: ImportResult
    ) -> Mechanism:
        registry = context.registry
        assert registry is not None
        notes: list[str] = []
        lead = registry.resolve(raw.lead[0])
        if lead is None:
            raise ValueError(f"lead department {raw.lead[0]!r} is not in the {JURISDICTION} registry")
        collaborators, roles = [], [Role.territorial_town]
        for name in raw.collaborators:
            if m := _AND_OTHERS.search(name):
                name = name[: m.start()]
                roles.append(Role.relevant_departments)
                notes.append(f"collaborators: {raw.collaborators[-1]!r} ends with 等…部门 (and others)")
            collaborators.append(name)
        if not raw.collaborators:
            notes.append("the document names no 协同部门; only the lead and 镇（街道、区） have duties")
        classification = classify(raw)
        procedure, problems = build_procedure(raw, classification, mentions, lead.id, context.policies)
        for problem in problems:
            result.warn(raw.start_line, f"mechanism {raw.number}: {problem}")
        notes.append(f"shape {classification.describe()}")
        notes.extend(f"duty note ({d.department}): {note}" for d in raw.duties for note in d.notes)
        notes.extend(f"pitfall {p.kind.value} at line {p.line}: {p.detail}" for p in raw.pitfalls)
        return Mechanism(
            id=mechanism_id(raw),
            jurisdiction=JURISDICTION,
            kind=MechanismKind.territorial_coordination,
            title=raw.title,
            number=raw.number,
            source=SourceRef(document=SOURCE_NAME, line_start=raw.start_line, line_end=raw.end_line),
            lead=[raw.lead[0]],
            collaborators=collaborators,
            collaborator_roles=list(dict.fromkeys(roles)),
            duties=self.duties(raw, registry),
            steps_text=[f"{s.label}{s.text}" for s in raw.steps],
            flowchart_nodes=[n.text for n in raw.flow_nodes],
            procedure=procedure,
            notes=notes,
        )

    @staticmethod
    def duties(raw: RawMechanism, registry: DepartmentRegistry) -> list[Duty]:
        out = []
        for block in raw.duties:
            role = LOCAL_ROLES.get(block.department) or (
                None if registry.resolve(block.department) else resolve_role(block.department)
            )
            rows = zip(block.items, block.item_lines, block.item_units, strict=True)
            for text, (first, last), units in rows:
                department = None if role else block.department
                item_role = role
                # under a role heading (其他部门), "商务局负责…" is that one department's duty
                if role is not None and (m := _NAMED_HOLDER.match(text)) and registry.resolve(m.group(1)):
                    department, item_role = m.group(1), None
                out.append(
                    Duty(
                        department=department,
                        role=item_role,
                        text=text,
                        responsible_unit="、".join(units or block.responsible_units) or None,
                        source=SourceRef(document=SOURCE_NAME, line_start=first, line_end=last),
                    )
                )
        return out
