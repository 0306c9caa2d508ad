from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestTurnoverBrowser(HttpCase):
    def test_dashboard_opens_with_its_legend(self):
        code = """
            const wait = (selector) => new Promise((resolve, reject) => {
                let tries = 0;
                const timer = setInterval(() => {
                    const el = document.querySelector(selector);
                    if (el) { clearInterval(timer); resolve(el); }
                    if (++tries > 100) { clearInterval(timer); reject(new Error(selector)); }
                }, 100);
            });
            (async () => {
                await wait('.o_list_view');
                await wait('.o_searchview_facet');
                // a row's month reads as a month: "November 2026", not a day
                const month = await wait('.o_postproduction_month');
                if (!/^\\S+ \\d{4}$/.test(month.textContent.trim())) {
                    throw new Error('month shown as ' + month.textContent);
                }
                const legend = [...document.querySelectorAll('button')].find(
                    (b) => b.textContent.includes('Legend'));
                legend.click();
                await wait('.o_postproduction_legend');
                console.log('test successful');
            })().catch((e) => console.error('test failed: ' + e.message));
        """
        self.browser_js(
            "/odoo/action-postproduction.action_postproduction_turnover",
            code,
            "",
            login="admin",
            timeout=120,
        )
