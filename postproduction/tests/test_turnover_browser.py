from odoo.tests import HttpCase, tagged

# What the steps below share: ``sleep``, ``$`` and ``wait`` (a selector, or a function
# returning what it waits for), failing with the text on screen.
_HELPERS = """
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    const $ = (selector) => document.querySelector(selector);
    const wait = async (find, what = find) => {
        const look = typeof find === 'string' ? () => $(find) : find;
        for (let tries = 0; tries < 300; tries++) {
            const found = look();
            if (found) { return found; }
            await sleep(100);
        }
        const modals = document.querySelectorAll('.modal');
        const screen = modals[modals.length - 1] || document.body;
        throw new Error('not found: ' + what + ' in ' + screen.textContent.slice(0, 400));
    };
"""


@tagged("post_install", "-at_install")
class TestTurnoverBrowser(HttpCase):
    def run_on_dashboard(self, steps, timeout):
        """Run the JavaScript ``steps`` (awaiting ``wait``) on the dashboard as admin."""
        code = f"""{_HELPERS}
            (async () => {{
                {steps}
                console.log('test successful');
            }})().catch((e) => console.error('test failed: ' + e.message));
        """
        self.browser_js(
            "/odoo/action-postproduction.action_postproduction_turnover",
            code,
            "",
            login="admin",
            timeout=timeout,
        )

    def test_dashboard_opens_with_its_legend(self):
        self.run_on_dashboard(
            """
                await wait('.o_list_view');
                await wait('.o_searchview_facet');
                // a row's month reads as a month: "November 2026", not a day
                const month = await wait('.o_postproduction_month');
                if (!/^\\S+ \\d{4}$/.test(month.textContent.trim())) {
                    throw new Error('month shown as ' + month.textContent);
                }
                // the status shows its icon (the legend's) before its badge
                const status = await wait('.o_postproduction_status');
                if (!status.querySelector('i.fa') || !status.querySelector('.badge')) {
                    throw new Error('status shown as ' + status.outerHTML);
                }
                const legend = [...document.querySelectorAll('button')].find(
                    (b) => b.textContent.includes('Legend'));
                legend.click();
                await wait('.o_postproduction_legend');
            """,
            timeout=120,
        )

    def test_newcomer_generates_one_row_and_sees_it_invoiced(self):
        """The main path on the demo: Generate on last month's Mobile app row, for real,
        the result screen, the pro-forma list, back to the dashboard: delta 0, Invoiced."""
        if not self.env.ref("postproduction.project_mobile", raise_if_not_found=False):
            self.skipTest("demo data not installed")
        self.run_on_dashboard(
            """
                const mobileRow = () => [...document.querySelectorAll('.o_data_row')].find(
                    (row) => row.querySelector('td[name=project_name]')
                        ?.textContent.includes('Mobile app'));
                const row = await wait(mobileRow, 'the Mobile app row');
                [...row.querySelectorAll('button')].find(
                    (button) => button.textContent.trim() === 'Generate').click();
                const simulate = await wait(
                    () => $('.modal div[name=simulate] input'), 'test mode');
                if (simulate.checked) { simulate.click(); }
                await sleep(300);
                (await wait(() => $('.modal button[name=action_apply]'), 'Apply')).click();
                (await wait(() => $('.modal button[name=action_start]'), 'Start')).click();
                const proformas = await wait(
                    () => $('button[name=action_open_invoices]'), 'the result screen');
                if (!/Pro-forma invoices created:\\s*1\\b/.test(document.body.textContent)) {
                    throw new Error(
                        'result screen: ' + $('.o_form_view').textContent.slice(0, 300));
                }
                proformas.click();
                await wait(() => $('.o_list_view .o_data_row')?.textContent.includes('PF/'),
                    'the pro-forma list');
                // back to the dashboard by its breadcrumb (clicked again while it stays)
                for (let tries = 0; tries < 10 && $('.breadcrumb-item a'); tries++) {
                    $('.breadcrumb-item a').click();
                    await sleep(1000);
                }
                await wait(() => !$('.breadcrumb-item a') && $('td[name=project_name]'),
                    'the dashboard');
                const done = await wait(() => {
                    const again = mobileRow();
                    const status = again?.querySelector('td[name=status]').textContent;
                    return status?.includes('Invoiced') && again;
                }, 'the Mobile app row invoiced');
                const delta = done.querySelector('td[name=delta]').textContent.trim();
                if (!/^\\D*0\\.00\\D*$/.test(delta)) { throw new Error('delta ' + delta); }
            """,
            timeout=180,
        )
        order = self.env.ref("postproduction.order_mobile")
        self.assertEqual(len(order.invoice_ids), 1)
        self.assertEqual(order.invoice_ids.state, "draft")
        self.assertTrue(order.invoice_ids.proforma_number.startswith("PF/"))
