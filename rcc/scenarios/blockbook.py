"""Block-booking what-ifs: beds bought in advance at a discount, paid for whether used or not.

A block contract turns some of a home's vacancies into block-booked beds (which the contract's
objective treats as already paid: placing a child there costs nothing extra) at a fixed weekly
price per bed. The true weekly bill is then the spot cost of the other placements **plus** every
contracted bed, used or void — which is what this module reports against spot purchasing.
"""

from __future__ import annotations

from dataclasses import dataclass

from rcc.model import Instance


@dataclass(frozen=True)
class BlockContract:
    """``beds`` at ``home_id`` for ``price`` GBP per bed per week."""

    home_id: str
    beds: int
    price: float


def apply_contracts(instance: Instance, contracts: list[BlockContract]) -> Instance:
    """A new instance whose homes carry the contracted beds as ``block_booked`` (capped at vacancies)."""
    extra: dict[str, int] = {}
    for contract in contracts:
        if contract.home_id not in instance.home_by_id:
            raise ValueError(f"block contract names unknown home {contract.home_id}")
        if contract.beds < 0 or contract.price < 0:
            raise ValueError(f"block contract for {contract.home_id}: beds and price must be >= 0")
        extra[contract.home_id] = extra.get(contract.home_id, 0) + contract.beds
    homes = tuple(
        h.replace(block_booked=min(h.vacancies, h.block_booked + extra[h.home_id])) if h.home_id in extra else h
        for h in instance.homes
    )
    return instance.replace(homes=homes, name=f"{instance.name} + {len(contracts)} block contract(s)")


def contract_costs(instance: Instance, contracts: list[BlockContract], assignment) -> dict:
    """Contracted beds, beds used, void beds, utilisation and the fixed weekly contract bill.

    Beds used are counted per home as min(children placed there, beds contracted there), the
    same rule the objective uses for block-booked beds.
    """
    placed: dict[str, int] = {}
    for home_id in assignment.values():
        if home_id is not None:
            placed[home_id] = placed.get(home_id, 0) + 1
    booked: dict[str, int] = {}
    for contract in contracts:
        cap = instance.home_by_id[contract.home_id].vacancies
        booked[contract.home_id] = min(cap, booked.get(contract.home_id, 0) + contract.beds)
    used = sum(min(placed.get(h, 0), beds) for h, beds in booked.items())
    total_beds = sum(booked.values())
    bill = sum(c.price * c.beds for c in contracts)
    return {
        "contracted_beds": total_beds,
        "beds_used": used,
        "void_beds": total_beds - used,
        "utilisation_pct": 100.0 * used / total_beds if total_beds else None,
        "contract_bill": bill,
    }
