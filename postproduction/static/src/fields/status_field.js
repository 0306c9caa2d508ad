/** @odoo-module **/
// A dashboard row's status: its icon (the legend's) before its badge, both from the
// status table through the row's ``status_icon`` and ``status_decoration`` columns, so
// that the list needs one column and no decoration rule repeats the table.
import { registry } from "@web/core/registry";
import { BadgeField, badgeField } from "@web/views/fields/badge/badge_field";

export class StatusField extends BadgeField {
    static template = "postproduction.StatusField";

    get icon() {
        return this.props.record.data.status_icon || "";
    }

    get classFromDecoration() {
        const decoration = this.props.record.data.status_decoration;
        if (!decoration) {
            return super.classFromDecoration;
        }
        // as Odoo's badge does: muted badges are grey
        return decoration === "muted" ? "text-bg-300" : `text-bg-${decoration}`;
    }
}

registry.category("fields").add("postproduction_status", {
    ...badgeField,
    component: StatusField,
    fieldDependencies: [
        { name: "status_icon", type: "char" },
        { name: "status_decoration", type: "char" },
    ],
});
