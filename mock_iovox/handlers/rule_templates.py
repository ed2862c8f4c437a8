"""Rules interface, rule-template half (SPEC.md §5.5): getRuleTemplates and getVariableRulesOfTemplate.

A rule template is a calling flow: the DEFAULT ones ship with the service (account-less rows), the
CUSTOM ones are the account's call flows.
"""

from __future__ import annotations

from mock_iovox.context import Ctx, ListResult, by_vendor_id
from mock_iovox.db import CallFlow, Link
from mock_iovox.flows import store
from mock_iovox.flows.values import render_rule
from mock_iovox.handlers.callflow import CALL_ONLY, list_templates
from mock_iovox.handlers.registry import handles
from mock_iovox.xmlio import Tree


@handles("Rules", "getRuleTemplates")
def get_rule_templates(ctx: Ctx) -> ListResult:
    return list_templates(ctx, CALL_ONLY)


@handles("Rules", "getVariableRulesOfTemplate")
def get_variable_rules_of_template(ctx: Ctx) -> Tree:
    name = ctx.params.get("template_name")
    link_id = ctx.params.get("link_id")
    if not name and not link_id:
        ctx.fail("template_name_empty")
    row = store.find_flow(ctx, CALL_ONLY, name) if name else None
    if name and row is None:
        ctx.add("template_name_not_found")
    link = by_vendor_id(ctx, Link, "link_id", [link_id]).get(link_id) if link_id else None
    if link_id and link is None:
        ctx.add("link_id_not_found")
    ctx.check()
    if row is None and link is not None and link.call_flow_pk is not None:
        row = ctx.session.get(CallFlow, link.call_flow_pk)
    if row is None:
        return {"rules": {"rule": []}}  # a link without a template: no rules
    values = {}
    if link is not None:
        values = store.values_of(ctx, [(link.pk, row.pk)]).get((link.pk, row.pk), {})
    rules = [render_rule(r, values.get(r.id)) for r in store.flow_of(row).variable_rules]
    view = ctx.view
    assert view is not None
    # no page envelope (PHP-MODELS.md): page/limit only slice the rules
    return {"rules": {"rule": rules[view.offset : view.offset + view.limit]}}
