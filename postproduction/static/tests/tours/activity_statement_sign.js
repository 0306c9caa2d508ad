/** @odoo-module **/
// The customer signs an activity statement from its link (data from the Python test).
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("postproduction_activity_statement_sign", {
    steps: () => [
        {
            content: "the month's days are shown",
            trigger: ".o_postproduction_statement div[name=consultant]:contains(Alice)",
        },
        {
            content: "open the signature",
            trigger: "a[data-bs-target='#modal_sign']",
            run: "click",
        },
        {
            trigger: ".modal .o_web_sign_name_and_signature input:value(Jane Customer)",
        },
        {
            content: "draw the signature",
            trigger: ".modal .o_web_sign_draw_button",
            run: "click",
        },
        {
            trigger: ".modal .o_web_sign_signature",
            run() {
                // a stroke of the pointer across the signature pad
                const canvas = document.querySelector(".modal .o_web_sign_signature");
                const box = canvas.getBoundingClientRect();
                const stroke = (type, x, y) =>
                    canvas.dispatchEvent(
                        new PointerEvent(type, {
                            clientX: box.left + x,
                            clientY: box.top + y,
                            bubbles: true,
                            pointerId: 1,
                            pointerType: "mouse",
                            isPrimary: true,
                            buttons: type === "pointerup" ? 0 : 1,
                        })
                    );
                stroke("pointerdown", 30, 60);
                for (let step = 1; step <= 30; step++) {
                    stroke("pointermove", 30 + step * 12, 60 + Math.sin(step / 2) * 30);
                }
                stroke("pointerup", 390, 60);
            },
        },
        {
            content: "sign",
            trigger: ".modal .o_portal_sign_submit:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "the statement shows signed",
            trigger: ".o_postproduction_statement .alert-success:contains(Jane Customer)",
        },
    ],
});
