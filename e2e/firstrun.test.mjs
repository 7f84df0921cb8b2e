// What a new admin meets first: scope choices, copy feedback, the region, not-found pages,
// durations, times and links on detail pages, and layouts at phone and desktop width.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, setup as setupWith, signIn, storedSession } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Sideways scrolling of the page, and tables wider than their card. */
async function layoutProblems(page) {
  return page.evaluate(() => {
    const out = [];
    const over = document.documentElement.scrollWidth - window.innerWidth;
    if (over > 1) out.push(`page scrolls sideways by ${over}px`);
    for (const table of document.querySelectorAll('.card table')) {
      const card = table.closest('.card');
      const style = getComputedStyle(card);
      const inner = card.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      const width = table.getBoundingClientRect().width;
      if (width > inner + 1) out.push(`a table is ${Math.round(width)}px in a ${Math.round(inner)}px card`);
    }
    return out;
  });
}

async function checkLayout(page, label) {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    assert.deepEqual(await layoutProblems(page), [], `${label} (${scheme})`);
  }
}

test('first run: scopes, copy, region, details and layout at 1280 and 390 px', async () => {
  const t = await setupWith(browser, {
    args: ['--services', '60', '--users', '40'],
    config: (sb) => ({ api_url: null, api_url_us: sb.api }),
  });
  try {
    await t.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.web.origin });
    await t.page.setViewportSize({ width: 1280, height: 800 });
    await t.page.goto(t.web.url);
    await signIn(t);
    await t.page.getByText('You are signed in.').waitFor();
    // The region the sign-in told, not "learned at sign-in" any more.
    await t.page.getByText(`US (${t.sb.api}), from the id_token (its aud names the API)`).waitFor();
    // Who and what role, in PagerDuty's words.
    await t.page.getByText('Avery Admin (admin@example.com) · Global Admin').waitFor();

    // Token page: Copy says so; re-scoping starts from what is granted and never sends nothing.
    await t.page.getByRole('link', { name: 'Token', exact: true }).click();
    await t.page.getByRole('heading', { name: 'Token', exact: true }).waitFor();
    const s = await storedSession(t.page);
    await t.page.getByRole('button', { name: 'Copy', exact: true }).click();
    await t.page.getByText('Copied', { exact: true }).waitFor();
    assert.equal(await t.page.evaluate(() => navigator.clipboard.readText()), s.access_token);
    const read = t.page.getByRole('checkbox', { name: /read/ }).first();
    const write = t.page.getByRole('checkbox', { name: /write/ });
    assert.ok(await read.isChecked(), 'the granted scope starts checked');
    assert.ok(!(await write.isChecked()));
    assert.match(await t.page.locator('label.check', { hasText: 'write' }).textContent(), /change things in PagerDuty/);
    const again = t.page.getByRole('button', { name: 'Sign in again with these scopes' });
    await read.uncheck();
    assert.ok(await again.isDisabled(), 'no sign-in with no scopes');
    await read.check();
    assert.ok(await again.isEnabled());
    await checkLayout(t.page, 'token page at 1280');

    // Lists and details at desktop width: tables fit their cards.
    await t.page.getByRole('link', { name: 'Users', exact: true }).click();
    await t.page.getByText('40 users', { exact: true }).waitFor({ timeout: 30000 });
    await checkLayout(t.page, 'users at 1280');
    await t.page.getByRole('link', { name: 'Services', exact: true }).click();
    await t.page.getByText('60 services', { exact: true }).waitFor({ timeout: 30000 });
    assert.ok(await t.page.locator('tbody .badge').count() > 0, 'status as a badge');
    await checkLayout(t.page, 'services at 1280');
    // A service with timeouts: durations in words, times with UTC on hover, linked policy.
    await t.page.locator('tbody tr', { hasText: 'active' }).locator('a').first().click();
    await t.page.getByRole('link', { name: '← All services' }).waitFor();
    const facts = await t.page.locator('dl.facts').textContent();
    assert.match(facts, /Auto-resolve after(4 h|off)/);
    assert.match(facts, /Acknowledgement timeout(30 min|off)/);
    assert.doesNotMatch(facts, /\d+ s(?!\w)/, 'no raw seconds');
    const created = t.page.locator('dl.facts time').first();
    assert.match(await created.getAttribute('title'), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    const policy = t.page.locator('dt:text-is("Escalation policy") + dd a');
    assert.match(await policy.getAttribute('href'), /^https:\/\/[a-z0-9-]+\.pagerduty\.com\//);
    await checkLayout(t.page, 'service detail at 1280');
    // A service that is not there, in words.
    await t.page.goto(t.web.origin + '/services/PNOPE%3Cx%3E');
    await t.page.getByText('This service does not exist or you cannot see it.').waitFor();
    assert.doesNotMatch(await t.page.textContent('main'), /%3C/);

    // Phone width: no page scrolls sideways, the header keeps one height, lists read as cards.
    await t.page.setViewportSize({ width: 390, height: 800 });
    const heights = [];
    for (const [path, ready] of [['/', 'You are signed in.'], ['/services', '60 services'], ['/users', '40 users'], ['/token', 'Expiry and refresh']]) {
      await t.page.goto(t.web.origin + path);
      await t.page.getByText(ready, { exact: true }).waitFor({ timeout: 30000 });
      await checkLayout(t.page, `${path} at 390`);
      heights.push(await t.page.locator('header.topbar').evaluate((h) => h.getBoundingClientRect().height));
      const signOut = await t.page.getByRole('button', { name: 'Sign out', exact: true }).evaluate((b) => b.getBoundingClientRect().height);
      assert.ok(signOut < 48, `"Sign out" does not wrap (${signOut}px)`);
    }
    assert.equal(new Set(heights).size, 1, `header heights ${heights}`);
    await t.page.goto(t.web.origin + '/users');
    await t.page.getByText('40 users', { exact: true }).waitFor({ timeout: 30000 });
    const display = await t.page.locator('tbody tr').first().evaluate((r) => getComputedStyle(r).display);
    assert.equal(display, 'block', 'rows read as cards at phone width');
    // A user with a phone.
    const listed = await (await fetch(`${t.sb.api}/users?limit=100&include[]=contact_methods`,
      { headers: { Authorization: `Bearer ${s.access_token}` } })).json();
    const withPhone = listed.users.find((u) => u.contact_methods.some((c) => c.type === 'phone_contact_method'));
    await t.page.goto(`${t.web.origin}/users/${withPhone.id}`);
    await t.page.getByRole('heading', { name: 'Contact methods' }).waitFor();
    await checkLayout(t.page, 'user detail at 390');
    // Phones with their country code (PagerDuty keeps it apart from the number).
    const phone = await t.page.locator('tbody tr', { hasText: 'phone' }).locator('td').nth(2).textContent();
    assert.match(phone, /^\+1 555\d{7}$/);
  } finally { await t.close(); }
});
