"""The stage (a step's read records on disk) stays linear at scale (issue 7). Not timed: query plans."""

from __future__ import annotations

from engine.sync.stage import Stage


def _plan(stage: Stage, sql: str, params: tuple) -> str:
    return " ".join(str(row[-1]) for row in stage.db.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall())


def test_every_query_a_record_costs_finds_its_rows_by_index_not_by_scanning_the_stage():
    with Stage() as stage:
        for n in range(50):
            stage.put("raynet", n, {"id": n, "name": f"Firma {n}"}, [("ico", f"{n:08d}"), ("name", f"firma {n}")])
        stage.seal()
        queries = [  # what put / get / is_done / mark_done / find run for one record, and what the index must pin
            ("DELETE FROM keys WHERE side=? AND id=?", ("raynet", "7"), "id=?"),
            ("SELECT data FROM records WHERE side=? AND id=?", ("raynet", "7"), "id=?"),
            ("UPDATE records SET done=1 WHERE side=? AND id=?", ("raynet", "7"), "id=?"),
            ("SELECT k.id FROM keys k JOIN records r ON r.side=k.side AND r.id=k.id "
             "WHERE k.side=? AND k.name=? AND k.value=? AND r.done=0", ("raynet", "ico", "00000007"), "value=?"),
        ]
        for sql, params, pinned in queries:
            plan = _plan(stage, sql, params)
            # a search by the record's own key, never a scan of the side's rows (that made reading O(n²))
            assert "SCAN" not in plan and pinned in plan, (sql, plan)
        # the put replaced the keys of a record, not added to them
        stage.put("raynet", 7, {"id": 7}, [("ico", "x")])
        assert stage.db.execute("SELECT COUNT(*) FROM keys WHERE id='7'").fetchone()[0] == 1
