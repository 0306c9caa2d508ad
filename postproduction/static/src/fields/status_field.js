/** @odoo-module **/
// A dashboard row's status: its icon (the legend's) before its badge, from the row's
// ``status_icon`` column, so that the list needs one column for both.
import { registry } from "@web/core/registry";
import { BadgeField, badgeField } from "@web/views/fields/badge/badge_field";

export class StatusField extends BadgeField {
    static template = "postproduction.StatusField";

    get icon() {
        return this.props.record.data.status_icon || "";
    }
}

registry.category("fields").add("postproduction_status", {
    ...badgeField,
    component: StatusField,
    fieldDependencies: [{ name: "status_icon", type: "char" }],
});
