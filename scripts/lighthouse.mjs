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
// A figure Lighthouse could not measure is null, and "missing" says which audit and why (a crash on one
// page or one audit must not lose the others' figures).
function numeric(audits, id, missing) {
  const audit = audits[id];
  if (audit && typeof audit.numericValue === "number") return audit.numericValue;
  missing.push({ audit: id, why: audit ? audit.errorMessage || audit.explanation || "no value" : "audit not run" });
  return null;
}

function score(categories, id, missing) {
  const category = categories[id];
  if (category && typeof category.score === "number") return Math.round(category.score * 100);
  missing.push({ audit: id, why: "category not scored" });
  return null;
}

try {
  for (const page of pages) {
    const tab = await browser.newPage();
    try {
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
      const { categories, audits, finalDisplayedUrl, runtimeError } = result.lhr;
      const missing = runtimeError ? [{ audit: "run", why: `${runtimeError.code}: ${runtimeError.message}` }] : [];
      const failed = Object.values(audits)
        .filter((audit) => audit.scoreDisplayMode === "binary" && audit.score === 0)
        .map((audit) => audit.id);
      const lcp = numeric(audits, "largest-contentful-paint", missing);
      const tbt = numeric(audits, "total-blocking-time", missing);
      const cls = numeric(audits, "cumulative-layout-shift", missing);
      console.log(
        JSON.stringify({
          name: page.name,
          url: finalDisplayedUrl,
          performance: score(categories, "performance", missing),
          accessibility: score(categories, "accessibility", missing),
          lcp_ms: lcp === null ? null : Math.round(lcp),
          tbt_ms: tbt === null ? null : Math.round(tbt),
          cls: cls === null ? null : Number(cls.toFixed(3)),
          failed_audits: failed,
          missing,
        }),
      );
    } catch (error) {
      console.log(JSON.stringify({ name: page.name, url: null, missing: [{ audit: "run", why: String(error) }] }));
    } finally {
      await tab.close();
    }
  }
} finally {
  await browser.close();
}
