// Build front-end assets into static/dist/ with content-hashed file names.
//
//   npm run build   (== node scripts/build-assets.mjs)
//
// Outputs:
//   static/dist/app.<hash>.css                  assets/scss/app.scss, compiled
//   static/dist/govuk-frontend.<hash>.min.js    GOV.UK Frontend's ES module
//   static/dist/app.<hash>.mjs                  assets/js/app.mjs, import rewritten
//   static/dist/offline.<hash>.mjs              assets/js/offline.mjs (advocates' pages only)
//   static/dist/offline-worker.<hash>.js        assets/js/offline-worker.js (served from /offline-worker.js)
//   static/dist/manifest.json                   logical name -> hashed file name
//   <each of the above but the manifest>.br / .gz  compressed once here at the highest settings, so the
//                                                  app serves them without compressing on every request
//
// Deterministic: the same inputs always give the same bytes and names.

import { createHash } from 'node:crypto'
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib'

import * as sass from 'sass'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = join(root, 'static', 'dist')

const paths = {
  scss: join(root, 'assets', 'scss', 'app.scss'),
  appJs: join(root, 'assets', 'js', 'app.mjs'),
  offlineJs: join(root, 'assets', 'js', 'offline.mjs'),
  offlineWorker: join(root, 'assets', 'js', 'offline-worker.js'),
  govukJs: join(root, 'node_modules', 'govuk-frontend', 'dist', 'govuk', 'govuk-frontend.min.js')
}

// The specifier app.mjs uses for GOV.UK Frontend (a sibling file in static/dist)
const GOVUK_SPECIFIER = './govuk-frontend.min.js'

// Logical name -> how its hashed file name is built, and how to spot old copies
const outputs = {
  'app.css': { name: (hash) => `app.${hash}.css`, pattern: /^app\.[0-9a-f]{8}\.css$/ },
  'govuk-frontend.min.js': {
    name: (hash) => `govuk-frontend.${hash}.min.js`,
    pattern: /^govuk-frontend\.[0-9a-f]{8}\.min\.js$/
  },
  'app.mjs': { name: (hash) => `app.${hash}.mjs`, pattern: /^app\.[0-9a-f]{8}\.mjs$/ },
  'offline.mjs': { name: (hash) => `offline.${hash}.mjs`, pattern: /^offline\.[0-9a-f]{8}\.mjs$/ },
  'offline-worker.js': { name: (hash) => `offline-worker.${hash}.js`, pattern: /^offline-worker\.[0-9a-f]{8}\.js$/ }
}

// Offline code for advocates (service worker + page code) stays within this, compressed (DESIGN §6)
const OFFLINE_BUDGET = 20 * 1024

function compressedCopies (content) {
  const buffer = Buffer.from(content)
  return {
    br: brotliCompressSync(buffer, {
      params: {
        [zlibConstants.BROTLI_PARAM_QUALITY]: zlibConstants.BROTLI_MAX_QUALITY,
        [zlibConstants.BROTLI_PARAM_SIZE_HINT]: buffer.length
      }
    }),
    gz: gzipSync(buffer, { level: 9 })
  }
}

async function writeBytesIfChanged (file, bytes) {
  try {
    if (Buffer.compare(await readFile(file), bytes) === 0) return
  } catch (error) {
    if (error.code !== 'ENOENT') throw error
  }
  await writeFile(file, bytes)
}

function shortHash (content) {
  return createHash('sha256').update(content).digest('hex').slice(0, 8)
}

function fail (message) {
  console.error(`build-assets: ${message}`)
  process.exit(1)
}

function compileCss () {
  const result = sass.compile(paths.scss, {
    // Resolves `pkg:govuk-frontend` through node_modules/govuk-frontend/package.json
    importers: [new sass.NodePackageImporter(root)],
    style: 'compressed',
    sourceMap: false
  })
  const css = result.css.endsWith('\n') ? result.css : `${result.css}\n`

  // We ship no web fonts: guard against GOV.UK's font-face sneaking back in
  for (const forbidden of ['@font-face', '.woff']) {
    if (css.includes(forbidden)) {
      fail(`compiled CSS contains "${forbidden}"; check $govuk-include-default-font-face`)
    }
  }
  return css
}

async function readGovukJs () {
  const js = await readFile(paths.govukJs, 'utf8')
  // We don't ship the source map, so drop the comment pointing at it
  return js.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '').trimEnd() + '\n'
}

async function readAppJs (govukFileName) {
  const js = await readFile(paths.appJs, 'utf8')
  const importPattern = /(\bfrom\s*)(['"])\.\/govuk-frontend\.min\.js\2/g
  const matches = js.match(importPattern)
  if (!matches || matches.length !== 1) {
    fail(`expected assets/js/app.mjs to import from '${GOVUK_SPECIFIER}' exactly once`)
  }
  return js.replace(importPattern, (_match, from, quote) => `${from}${quote}./${govukFileName}${quote}`)
}

async function writeIfChanged (file, content) {
  try {
    if ((await readFile(file, 'utf8')) === content) return
  } catch (error) {
    if (error.code !== 'ENOENT') throw error
  }
  await writeFile(file, content)
}

function formatSize (content) {
  const raw = Buffer.byteLength(content)
  const { br, gz } = compressedCopies(content)
  return `${raw} B (${br.length} B br, ${gz.length} B gzip)`
}

async function main () {
  await mkdir(outDir, { recursive: true })

  const css = compileCss()
  const govukJs = await readGovukJs()
  const govukFileName = outputs['govuk-frontend.min.js'].name(shortHash(govukJs))
  const appJs = await readAppJs(govukFileName)

  const offlineJs = await readFile(paths.offlineJs, 'utf8')
  const offlineWorker = await readFile(paths.offlineWorker, 'utf8')
  const offlineSize = compressedCopies(offlineJs).gz.length + compressedCopies(offlineWorker).gz.length
  if (offlineSize > OFFLINE_BUDGET) fail(`offline code is ${offlineSize} B gzip, over its ${OFFLINE_BUDGET} B budget`)

  const contents = {
    'app.css': css,
    'govuk-frontend.min.js': govukJs,
    'app.mjs': appJs,
    'offline.mjs': offlineJs,
    'offline-worker.js': offlineWorker
  }

  const manifest = {}
  for (const [logical, content] of Object.entries(contents)) {
    manifest[logical] = outputs[logical].name(shortHash(content))
    await writeIfChanged(join(outDir, manifest[logical]), content)
    for (const [suffix, bytes] of Object.entries(compressedCopies(content))) {
      await writeBytesIfChanged(join(outDir, `${manifest[logical]}.${suffix}`), bytes)
    }
  }

  // Manifest last, so it never names a file that hasn't been written yet
  await writeIfChanged(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)

  // Remove older hashed builds of our outputs; leave anything else alone
  const current = new Set(Object.values(manifest))
  const removed = []
  for (const file of (await readdir(outDir)).sort()) {
    const base = file.replace(/\.(br|gz)$/, '')
    if (current.has(base)) continue
    const isOurs = Object.values(outputs).some(({ pattern }) => pattern.test(base))
    if (isOurs && !current.has(file)) {
      await rm(join(outDir, file))
      removed.push(file)
    }
  }

  const summary = Object.entries(contents)
    .map(([logical, content]) => `${manifest[logical]} ${formatSize(content)}`)
    .join(', ')
  const removedNote = removed.length ? `; removed ${removed.length} old file(s)` : ''
  console.log(`build-assets: ${relative(root, outDir)}/ ${summary}${removedNote}`)
}

main().catch((error) => fail(error?.stack ?? String(error)))
