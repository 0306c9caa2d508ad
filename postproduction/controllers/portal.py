from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

STATEMENT = "postproduction.activity.statement"


class ActivityStatementPortal(CustomerPortal):
    """The page a customer signs or contests an activity statement on, reached with the
    statement's access token (no portal account needed): it shows that statement only."""

    def _statement(self, statement_id, access_token):
        return self._document_check_access(STATEMENT, statement_id, access_token=access_token)

    @http.route(
        "/my/activity_statements/<int:statement_id>", type="http", auth="public", website=True
    )
    def portal_activity_statement(self, statement_id, access_token=None, message=None, **kw):
        try:
            statement = self._statement(statement_id, access_token)
        except (AccessError, MissingError):
            return request.not_found()
        values = self._get_page_view_values(
            statement,
            access_token,
            {"statement": statement, "message": message},
            "my_activity_statements_history",
            True,
        )
        return request.render("postproduction.portal_activity_statement", values)

    @http.route(
        "/my/activity_statements/<int:statement_id>/sign",
        type="json",
        auth="public",
        website=True,
    )
    def portal_activity_statement_sign(
        self, statement_id, access_token=None, name=None, signature=None
    ):
        access_token = access_token or request.httprequest.args.get("access_token")
        try:
            statement = self._statement(statement_id, access_token)
        except (AccessError, MissingError):
            return {"error": request.env._("Invalid activity statement.")}
        try:
            statement.with_context(lang=statement._get_lang())._sign(name, signature)
        except UserError as error:
            return {"error": str(error)}
        return {
            "force_refresh": True,
            "redirect_url": statement.get_portal_url(query_string="&message=signed"),
        }

    @http.route(
        "/my/activity_statements/<int:statement_id>/contest",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_activity_statement_contest(
        self, statement_id, access_token=None, comment=None, **kw
    ):
        try:
            statement = self._statement(statement_id, access_token)
        except (AccessError, MissingError):
            return request.not_found()
        try:
            statement.with_context(lang=statement._get_lang())._contest(comment)
        except UserError:
            return request.redirect(statement.get_portal_url(query_string="&message=comment"))
        return request.redirect(statement.get_portal_url(query_string="&message=contested"))
