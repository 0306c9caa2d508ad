/** @odoo-module **/
// A month shown as its name and year ("November 2026", "novembre 2026"), in the user's
// language: the dashboard's rows and the runs are months, not days.
import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

export class MonthField extends Component {
    static template = "postproduction.MonthField";
    static props = { ...standardFieldProps };

    get label() {
        const value = this.props.record.data[this.props.name];
        return value ? value.toFormat("LLLL yyyy") : "";
    }
}

registry.category("fields").add("postproduction_month", {
    component: MonthField,
    displayName: _t("Month"),
    supportedTypes: ["date"],
    listViewWidth: [120, 150], // "septembre 2026" without being cut
});
