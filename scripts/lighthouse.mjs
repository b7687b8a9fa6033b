// Lighthouse in mobile mode on a few pages of a running server; prints one JSON line per page.
//
//   node scripts/lighthouse.mjs pages.json
//
// pages.json: {"base": "http://127.0.0.1:5099", "pages": [{"name": "...", "path": "/login", "cookie": "session=..."}]}
// Chromium is CHROME_PATH (default /usr/bin/chromium), headless, without the sandbox (it runs as root in CI).
// The signed-in pages get their session cookie set in the browser before Lighthouse loads them (Chromium
// ignores a Cookie header passed as an extra header), and Lighthouse is told not to clear it.
// Scores are 0–100; LCP and TBT in milliseconds; CLS unitless.

import { readFileSync } from "node:fs";
import lighthouse from "lighthouse";
import puppeteer from "puppeteer-core";

const { base, pages } = JSON.parse(readFileSync(process.argv[2], "utf8"));
const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
try {
  for (const page of pages) {
    const tab = await browser.newPage();
    if (page.cookie) {
      const at = page.cookie.indexOf("=");
      await tab.setCookie({ name: page.cookie.slice(0, at), value: page.cookie.slice(at + 1), url: base });
    }
    const result = await lighthouse(
      base + page.path,
      {
        output: "json",
        logLevel: "error",
        onlyCategories: ["performance", "accessibility"],
        formFactor: "mobile",
        disableStorageReset: true,
      },
      undefined,
      tab,
    );
    await tab.close();
    const { categories, audits, finalDisplayedUrl } = result.lhr;
    const failed = Object.values(audits)
      .filter((audit) => audit.scoreDisplayMode === "binary" && audit.score === 0)
      .map((audit) => audit.id);
    console.log(
      JSON.stringify({
        name: page.name,
        url: finalDisplayedUrl,
        performance: Math.round(categories.performance.score * 100),
        accessibility: Math.round(categories.accessibility.score * 100),
        lcp_ms: Math.round(audits["largest-contentful-paint"].numericValue),
        tbt_ms: Math.round(audits["total-blocking-time"].numericValue),
        cls: Number(audits["cumulative-layout-shift"].numericValue.toFixed(3)),
        failed_audits: failed,
      }),
    );
  }
} finally {
  await browser.close();
}
