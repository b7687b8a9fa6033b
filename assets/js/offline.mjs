// Offline visits, on advocates' pages only (README, "Offline visits"). A person's own pages never load this.
//
// What is kept on the phone (IndexedDB "advocate-offline") is encrypted with AES-GCM under the visit's key, which
// the server hands out on a signed-in request and this code holds only in memory (here and in the service
// worker). In the clear are only ids, who kept it, when it expires and its size.
// The words are a file a language that the page names (the browser keeps it; so does the service worker, for the
// page shown without a signal), and the page says whose it is.
const WORDS = document.querySelector('meta[name=offline-words]')
const USER = Number(WORDS.dataset.user)
const W = await fetch(WORDS.content).then((response) => response.json())
const URLS = W.urls
const DB = 'advocate-offline'
const enc = new TextEncoder()
const dec = new TextDecoder()
const memoryKeys = new Map()
const onOfflinePage = document.body.hasAttribute('data-offline-page')
const planPath = location.pathname.match(/^\/people\/(\d+)\/plan\/?$/)
const pagePerson = Number((location.pathname.match(/^\/people\/(\d+)\/plan/) || [])[1])
let csrf = null
let present = false
let sending = false
let status = ''
const results = []

// IndexedDB ------------------------------------------------------------------------------------------------
let opening = null
async function hasDb () {
  return !indexedDB.databases || (await indexedDB.databases()).some((d) => d.name === DB)
}
function openDb () {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1)
    request.onupgradeneeded = () => {
      request.result.createObjectStore('visits', { keyPath: 'id' })
      request.result.createObjectStore('outbox', { keyPath: 'key' })
    }
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
  return opening
}
async function store (name, mode, act) {
  const db = await openDb()
  return new Promise((resolve, reject) => {
    const t = db.transaction(name, mode)
    const request = act(t.objectStore(name))
    t.oncomplete = () => resolve(request.result)
    t.onerror = () => reject(t.error)
  })
}
const all = (name) => store(name, 'readonly', (s) => s.getAll())
const put = (name, value) => store(name, 'readwrite', (s) => s.put(value))
const drop = (name, key) => store(name, 'readwrite', (s) => s.delete(key))

// Web Crypto: AES-GCM, a fresh IV each time, bound to the record it belongs to -------------------------------
const bytes = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))
const importKey = (text) => crypto.subtle.importKey('raw', bytes(text), 'AES-GCM', false, ['encrypt', 'decrypt'])
const visitLabel = (id) => enc.encode(`visit:${USER}:${id}`)
const changeLabel = (record) => enc.encode(`change:${USER}:${record.visit}:${record.key}`)
async function seal (key, label, value) {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: label }, key, enc.encode(JSON.stringify(value)))
  return { iv, data }
}
async function unseal (key, label, box) {
  const data = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: box.iv, additionalData: label }, key, box.data)
  return JSON.parse(dec.decode(data))
}

// The service worker keeps the keys in memory across a reload without a signal ------------------------------
async function worker () {
  if (!('serviceWorker' in navigator)) return null
  const registration = await navigator.serviceWorker.getRegistration('/')
  return registration?.active || null
}
async function keysFromWorker () {
  const active = await worker()
  if (!active) return new Map()
  return new Promise((resolve) => {
    const channel = new MessageChannel()
    channel.port1.onmessage = (event) => resolve(event.data)
    active.postMessage({ type: 'keys' }, [channel.port2])
    setTimeout(() => resolve(new Map()), 3000)
  })
}
async function remember (visit, key) {
  memoryKeys.set(visit, key)
  const active = await worker()
  active?.postMessage({ type: 'key', visit, key })
}

// Words ------------------------------------------------------------------------------------------------------
function h (tag, attributes, ...children) {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value)
    else if (value !== false && value != null) element.setAttribute(name, value === true ? '' : value)
  }
  element.append(...nodes(children))
  return element
}
const nodes = (list) => list.flat(Infinity).filter((child) => child != null && child !== false)
// Typed text is always isolated, so it can never reorder the words around it.
const typed = (text) => h('bdi', {}, text ?? '')
function say (words, values) {
  return words.split(/(%\(\w+\)s)/).map((part) => {
    const name = part.match(/^%\((\w+)\)s$/)
    return name ? values[name[1]] : part
  })
}
const lang = document.documentElement.lang
const time = (iso) => new Date(iso).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' })
const size = (n) => new Intl.NumberFormat(lang, { style: 'unit', unit: 'kilobyte', maximumFractionDigits: 0 }).format(Math.max(1, n / 1024))
const pageToken = () => document.querySelector('input[name=csrf_token]')?.value

// Visits: take, unlock, forget ---------------------------------------------------------------------------------
async function take (person) {
  const response = await fetch(`/people/${person}/offline`, {
    method: 'POST',
    headers: { Accept: 'application/json' },
    body: new URLSearchParams({ csrf_token: csrf || pageToken() })
  })
  if (!response.ok || response.redirected) throw new Error('not taken')
  const got = await response.json()
  const key = await importKey(got.key)
  const box = await seal(key, visitLabel(got.visit), got.data)
  present = true
  await put('visits', { id: got.visit, user: USER, person, expires: got.expires_at, size: box.data.byteLength, box })
  await navigator.serviceWorker.register(URLS.worker, { scope: '/' })
  const registration = await navigator.serviceWorker.ready
  await remember(got.visit, key)
  registration.active?.postMessage({ type: 'refresh', words: WORDS.content })
  return got.visit
}

async function forget (visit) {
  for (const change of await all('outbox')) if (change.visit === visit) await drop('outbox', change.key)
  await drop('visits', visit)
}

async function wipe () {
  memoryKeys.clear()
  const registration = await navigator.serviceWorker?.getRegistration('/')
  registration?.active?.postMessage({ type: 'forget' })
  await registration?.unregister()
  ;(await openDb()).close()
  opening = null
  await new Promise((resolve) => { const r = indexedDB.deleteDatabase(DB); r.onsuccess = r.onerror = r.onblocked = resolve })
  present = false
  for (const name of await caches.keys()) if (name.startsWith('advocate-offline')) await caches.delete(name)
}

async function unlock () {
  const visits = await all('visits')
  for (const [visit, key] of await keysFromWorker()) memoryKeys.set(visit, key)
  if (!navigator.onLine || !visits.length) return
  const query = visits.map((visit) => `visit=${visit.id}`).join('&')
  const response = await fetch(`${URLS.keys}?${query}`, { headers: { Accept: 'application/json' } }).catch(() => null)
  // Not signed in (the session ended while offline): everything stays locked and waits for signing in again.
  if (!response || !response.ok || response.redirected) return
  const got = await response.json()
  csrf = got.csrf_token
  for (const visit of visits) {
    const given = got.keys[visit.id]
    if (given) await remember(visit.id, await importKey(given.key))
    else {
      const lost = (await all('outbox')).filter((change) => change.visit === visit.id).length
      if (lost) results.push({ text: say(W.lost, { count: lost }) })
      await forget(visit.id)
    }
  }
}

// The outbox -----------------------------------------------------------------------------------------------------
async function queue (visit, change) {
  change.key = crypto.randomUUID()
  change.visit = visit.id
  change.person = visit.person
  const record = { key: change.key, user: USER, visit: visit.id, made: Date.now(), state: 'waiting' }
  record.box = await seal(memoryKeys.get(visit.id), changeLabel(record), { change })
  await put('outbox', record)
  status = W.added
  await draw()
  if (navigator.onLine) send()
  // Where the browser has Background Sync, it wakes the worker when the signal is back, which asks any open
  // page to send; the page's own `online` and load checks do the same everywhere else.
  else navigator.serviceWorker?.ready.then((r) => r.sync?.register('offline-outbox')).catch(() => null)
}

async function opened () {
  const list = (await all('outbox')).filter((r) => r.user === USER).sort((a, b) => a.made - b.made)
  return Promise.all(list.map(async (record) => {
    const key = memoryKeys.get(record.visit)
    return { record, ...(key ? await unseal(key, changeLabel(record), record.box) : {}) }
  }))
}

async function send () {
  if (sending) return
  sending = true
  try {
    if (!csrf) await unlock()
    const waiting = (await opened()).filter((o) => o.change && o.record.state === 'waiting')
    if (!waiting.length) return
    if (!csrf) throw new Error('signed out')
    status = W.sending
    await drawOutbox()
    const response = await fetch(URLS.sync, {
      method: 'POST',
      headers: { Accept: 'application/json' },
      body: new URLSearchParams({ csrf_token: csrf, changes: JSON.stringify(waiting.map((o) => o.change)) })
    })
    if (!response.ok || response.redirected) throw new Error('not sent')
    const people = new Set()
    for (const result of (await response.json()).results) {
      const o = waiting.find((w) => w.change.key === result.key)
      if (!o) continue
      if (result.outcome === 'sent' || result.outcome === 'suggested') {
        await drop('outbox', o.record.key)
        results.push({ text: describe(o.change), result })
        people.add(o.change.person)
      } else {
        o.record.state = 'needs_you'
        o.record.box = await seal(memoryKeys.get(o.record.visit), changeLabel(o.record), { change: o.change, result })
        await put('outbox', o.record)
      }
    }
    status = ''
    // The copy kept for the visit is taken again, so the next changes are made against the versions now saved.
    for (const person of people) await take(person).catch(() => null)
    if (onOfflinePage) status = W.signal_back
  } catch {
    status = W.not_sent
  } finally {
    sending = false
    if (status === W.sending) status = ''
    await draw()
  }
}

function describe (change) {
  const kind = { 'goal.add': W.add_goal, 'step.add': W.add_step, 'entry.edit': W.reword, check_in: W.check_in, note: W.visit_note }[change.kind]
  if (change.kind === 'step.done') return [change.done ? W.mark_done : W.mark_not_done, ': ', typed(change.label)]
  if (change.kind === 'check_in') return [kind, ': ', change.label, ' ', String(change.score)]
  return [kind, ': ', typed(change.text)]
}

async function drawOutbox () {
  const list = present ? await opened() : []
  const waiting = list.filter((o) => o.record.state === 'waiting')
  const needsYou = list.filter((o) => o.record.state === 'needs_you')
  if (!list.length && !results.length && !status) return show('offline-outbox', null)
  const panel = h('section', { id: 'offline-outbox', class: 'app-summary-box app-outbox', 'aria-labelledby': 'offline-outbox-heading' },
    h('h2', { class: 'govuk-heading-s', id: 'offline-outbox-heading' }, waiting.length ? say(W.outbox, { count: String(waiting.length) }) : W.results),
    waiting.length > 0 && h('ul', { class: 'govuk-list govuk-list--bullet' },
      waiting.map((o) => h('li', {}, o.change ? describe(o.change) : W.locked_change))),
    waiting.length > 0 && h('button', { type: 'button', class: 'govuk-button govuk-button--secondary', onclick: send }, W.send_now),
    h('p', { class: 'govuk-body', role: 'status' }, status, onOfflinePage && navigator.onLine && !sending
      ? [' ', h('a', { class: 'govuk-link', href: location.pathname }, W.open_plan)] : null),
    list.length > 0 && h('p', { class: 'govuk-body-s' }, W.signout_warning),
    needsYou.length > 0 && [
      h('h2', { class: 'govuk-heading-s' }, say(W.needs_you, { count: String(needsYou.length) })),
      needsYou.map((o) => needsLook(o))
    ],
    results.length > 0 && [
      waiting.length > 0 && h('h2', { class: 'govuk-heading-s' }, W.results),
      h('ul', { class: 'govuk-list' }, results.map((r) => h('li', {}, r.text, r.result ? [' – ', r.result.words] : null)))
    ]
  )
  show('offline-outbox', panel)
}

// Put a panel under the page's heading in place of the one drawn before. Drawing waits on the phone's store, so
// two draws can overlap (the page sending as the signal returns, say): the old panel goes only here, after the
// last wait, so the last draw's panel is the one left and never two.
function show (id, panel) {
  document.getElementById(id)?.remove()
  if (!panel) return
  const main = document.getElementById('main-content')
  main.insertBefore(panel, main.querySelector('h1')?.nextSibling || main.firstChild)
}

function needsLook (o) {
  const result = o.result || {}
  const words = o.change ? describe(o.change) : W.locked_change
  const text = o.change ? (o.change.text || o.change.note || o.change.label || '') : ''
  return h('div', { class: 'app-outbox__item' },
    h('p', { class: 'govuk-body' }, h('strong', {}, result.words || ''), ': ', words),
    result.reason_words && h('p', { class: 'govuk-body' }, result.reason_words),
    (result.collisions || []).map((c) => h('dl', { class: 'govuk-summary-list app-outbox__versions' },
      h('div', { class: 'govuk-summary-list__row' }, h('dt', { class: 'govuk-summary-list__key' }, W.yours), h('dd', { class: 'govuk-summary-list__value' }, typed(String(c.yours ?? '')))),
      h('div', { class: 'govuk-summary-list__row' }, h('dt', { class: 'govuk-summary-list__key' }, W.saved), h('dd', { class: 'govuk-summary-list__value' }, typed(String(c.saved ?? '')))))),
    h('div', { class: 'govuk-button-group' },
      text && h('button', { type: 'button', class: 'govuk-button govuk-button--secondary', onclick: (e) => copy(e, text) }, W.copy),
      h('button', { type: 'button', class: 'govuk-button govuk-button--warning', onclick: async () => { await drop('outbox', o.record.key); await draw() } }, W.discard)))
}

async function copy (event, text) {
  try {
    await navigator.clipboard.writeText(text)
    event.target.textContent = W.copied
  } catch {
    event.target.replaceWith(h('textarea', { class: 'govuk-textarea', readonly: true, 'aria-label': W.copy, rows: 3 }, text))
  }
}

// What is kept, and the control to take a plan offline -----------------------------------------------------
async function drawKept () {
  if (!pagePerson) return
  // An advocate who never took a plan offline gets no database made by merely looking.
  const visit = present && (await all('visits')).find((v) => v.person === pagePerson && v.user === USER)
  if (!visit && !planPath) return show('offline-kept', null)
  const box = h('div', { id: 'offline-kept', class: 'govuk-inset-text' })
  if (visit) {
    box.append(h('p', { class: 'govuk-body' }, say(W.kept, { time: time(visit.expires), size: size(visit.size) })),
      h('button', { type: 'button', class: 'govuk-button govuk-button--warning', onclick: removeAll }, W.remove))
    if (navigator.storage?.persist && !(await navigator.storage.persist())) box.append(h('p', { class: 'govuk-body-s' }, W.persist_no))
  } else {
    box.append(h('p', { class: 'govuk-body' }, W.take_hint),
      h('button', {
        type: 'button',
        class: 'govuk-button govuk-button--secondary',
        onclick: async (event) => {
          event.target.disabled = true
          event.target.textContent = W.taking
          try { await take(pagePerson) } catch { status = W.failed }
          await draw()
        }
      }, W.take))
  }
  show('offline-kept', box)
}

async function removeAll () {
  if (navigator.onLine) {
    await fetch(URLS.remove, { method: 'POST', headers: { Accept: 'application/json' }, body: new URLSearchParams({ csrf_token: csrf || pageToken() }) }).catch(() => null)
  }
  await wipe()
  status = W.removed
  await draw()
}

// The plan without a signal ------------------------------------------------------------------------------
async function drawOfflinePlan () {
  const place = document.getElementById('offline-plan')
  const visit = present && (await all('visits')).find((v) => v.person === pagePerson && v.user === USER)
  const key = visit && memoryKeys.get(visit.id)
  if (!key) return place.replaceChildren(h('p', { class: 'govuk-body' }, visit ? W.locked : W.nothing))
  const data = await unseal(key, visitLabel(visit.id), visit.box)
  const pending = (await opened()).filter((o) => o.change && o.record.visit === visit.id).map((o) => o.change)
  document.getElementById('offline-heading').replaceChildren(...say(W.offline_heading, { name: typed(data.person.name) }))
  const typing = inProgress(place)
  place.replaceChildren(...nodes(offlinePlan(visit, data, pending)))
  carryOver(place, typing)
}

// The plan is drawn again whenever a change is kept or a send fails, which can happen while the advocate is
// part-way through another form (the signal flickering, say): what they have typed or chosen, which "Change the
// wording" boxes are open and where the cursor is all carry over to the plan drawn anew, so nothing is lost and
// a step never lands under the wrong goal. A form that was saved was emptied first, so it starts afresh.
function inProgress (place) {
  const kept = new Map()
  for (const control of place.querySelectorAll('textarea, select')) {
    const chosen = Math.max(0, [...control.options || []].findIndex((option) => option.defaultSelected))
    const changed = control.tagName === 'SELECT' ? control.selectedIndex !== chosen : control.value !== control.defaultValue
    if (changed) kept.set(control.id, control.value)
  }
  const open = [...place.querySelectorAll('details[open] form')].map((f) => f.id)
  return { kept, open, focused: place.contains(document.activeElement) ? document.activeElement.id : '' }
}

function carryOver (place, { kept, open, focused }) {
  const within = (id) => { const element = id && document.getElementById(id); return element && place.contains(element) ? element : null }
  for (const id of open) { const details = within(id)?.closest('details'); if (details) details.open = true }
  for (const [id, value] of kept) {
    const control = within(id)
    if (control && (control.tagName !== 'SELECT' || [...control.options].some((option) => option.value === value))) control.value = value
  }
  within(focused)?.focus()
}

function overlay (plan, pending) {
  const done = new Map(); const text = new Map(); const added = new Map(); const steps = new Map()
  for (const change of pending) {
    if (change.kind === 'step.done') done.set(change.item, change.done)
    if (change.kind === 'entry.edit') text.set(change.item, change.text)
    if (change.kind === 'goal.add') added.set(change.need, [...(added.get(change.need) || []), change.text])
    if (change.kind === 'step.add') steps.set(change.goal, [...(steps.get(change.goal) || []), change.text])
  }
  return { done, text, added, steps }
}

function offlinePlan (visit, data, pending) {
  const plan = data.plan || { about: [], needs: [] }
  const words = data.words
  const o = overlay(plan, pending)
  const tag = h('strong', { class: 'govuk-tag govuk-tag--yellow app-offline__pending' }, W.waiting)
  const shown = (entry) => o.text.has(entry.id) ? [typed(o.text.get(entry.id)), ' ', tag.cloneNode(true)] : [typed(entry.text)]
  const goals = plan.needs.flatMap((need) => need.goals)
  // Any entry's words can be changed offline; the change carries the version it was made on.
  const reword = (entry, label, extra) => h('details', { class: 'govuk-details' },
    h('summary', { class: 'govuk-details__summary' }, h('span', { class: 'govuk-details__summary-text' }, W.reword)),
    h('div', { class: 'govuk-details__text' }, form(`reword-${entry.id}`, [textarea(`reword-${entry.id}-text`, label, o.text.get(entry.id) ?? entry.text)],
      (f) => queue(visit, { kind: 'entry.edit', item: entry.id, base_version: entry.version, text: f.text, ...extra }))))
  return [
    h('p', { class: 'govuk-body' }, W.offline_lead),
    plan.about.length > 0 && [h('h2', { class: 'govuk-heading-m' }, W.about),
      plan.about.map((a) => [h('h3', { class: 'govuk-heading-s' }, words.about[a.topic]), h('p', { class: 'govuk-body' }, typed(a.text))])],
    h('h2', { class: 'govuk-heading-m' }, W.needs),
    plan.needs.map((need) => h('section', { class: 'app-entry' },
      h('h3', { class: 'govuk-heading-s' }, words.domains[need.domain], ': ', shown(need)),
      reword(need, W.need_text),
      need.goals.map((goal) => h('div', { class: 'app-entry' },
        h('p', { class: 'govuk-body' }, h('strong', {}, W.goal, ': '), shown(goal), ' (', words.goal_status[goal.goal_status], ')'),
        goal.suggestion && h('p', { class: 'govuk-body-s' }, W.suggestion, ': ', typed(goal.suggestion)),
        reword(goal, W.goal_text, { goal_status: goal.goal_status, target_date: goal.target_date }),
        h('ul', { class: 'govuk-list' }, goal.steps.map((step) => {
          const isDone = o.done.has(step.id) ? o.done.get(step.id) : step.done
          return h('li', { class: 'app-offline__step' }, shown(step), isDone ? [' – ', W.done] : null, o.done.has(step.id) ? [' ', tag.cloneNode(true)] : null, ' ',
            h('button', { type: 'button', class: 'govuk-button govuk-button--secondary app-offline__tick', onclick: () => queue(visit, { kind: 'step.done', item: step.id, done: !isDone, base_version: step.version, consent: step.consent, label: step.text }) },
              isDone ? W.mark_not_done : W.mark_done),
            reword(step, W.step_text))
        }), (o.steps.get(goal.id) || []).map((text) => h('li', {}, typed(text), ' ', tag.cloneNode(true)))))),
      (o.added.get(need.id) || []).map((text) => h('p', { class: 'govuk-body' }, h('strong', {}, W.goal, ': '), typed(text), ' ', tag.cloneNode(true))))),
    plan.needs.length > 0 && [h('h2', { class: 'govuk-heading-m' }, W.add_goal),
      form('add-goal', [select('add-goal-need', W.goal_need, plan.needs.map((n) => [n.id, [words.domains[n.domain], ': ', n.text].join('')])), textarea('add-goal-text', W.goal_text)],
        (f) => queue(visit, { kind: 'goal.add', need: Number(f.need), text: f.text }))],
    goals.length > 0 && [h('h2', { class: 'govuk-heading-m' }, W.add_step),
      form('add-step', [select('add-step-goal', W.step_goal, goals.map((g) => [g.id, g.text])), textarea('add-step-text', W.step_text),
        select('add-step-owner', W.step_owner, Object.entries(words.owners || {}))],
      (f) => queue(visit, { kind: 'step.add', goal: Number(f.goal), text: f.text, owner: f.owner }))],
    h('h2', { class: 'govuk-heading-m' }, W.check_in),
    form('check-in', [
      select('check-in-domain', W.domain, words.domain_order.map((code) => [code, words.domains[code]])),
      select('check-in-score', W.score, Array.from({ length: 10 }, (_, i) => [i + 1, String(i + 1)])),
      select('check-in-rated_by', W.rated_by, Object.entries(words.rated_by)),
      textarea('check-in-note', W.note, '', false)
    ], (f) => queue(visit, { kind: 'check_in', domain: f.domain, score: Number(f.score), rated_by: f.rated_by, note: f.note, taken_on: new Date().toLocaleDateString('en-CA'), label: words.domains[f.domain] })),
    (goals.length > 0 || plan.needs.length > 0) && [h('h2', { class: 'govuk-heading-m' }, W.visit_note),
      form('visit-note', [select('visit-note-item', W.note_on, [...plan.needs, ...goals].map((e) => [e.id, e.text])), textarea('visit-note-text', W.note_text)],
        (f) => queue(visit, { kind: 'note', item: Number(f.item), text: f.text }))],
    h('h2', { class: 'govuk-heading-m' }, W.latest_check_ins),
    h('ul', { class: 'govuk-list' }, data.check_ins.map((c) => h('li', {}, words.domains[c.domain], ': ', String(c.score), ' (', words.rated_by[c.rated_by], ')'))),
    h('h2', { class: 'govuk-heading-m' }, W.consents),
    data.consents.length
      ? h('ul', { class: 'govuk-list' }, data.consents.map((c) => h('li', {}, c.organisation ? typed(c.organisation) : W.text_messages)))
      : h('p', { class: 'govuk-body' }, W.no_consents)
  ]
}

// Small forms: every field labelled, an error next to the field, nothing kept until it is right.
function field (id, label, control) {
  return h('div', { class: 'govuk-form-group', id: `${id}-group` }, h('label', { class: 'govuk-label', for: id }, label), control)
}
function textarea (id, label, value = '', required = true) {
  return field(id, label, h('textarea', { class: 'govuk-textarea', id, name: id.split('-').pop(), rows: 3, 'data-required': required }, value))
}
function select (id, label, options) {
  return field(id, label, h('select', { class: 'govuk-select', id, name: id.split('-').pop() }, options.map(([value, text]) => h('option', { value }, text))))
}
function form (id, fields, act) {
  return h('form', {
    id,
    novalidate: true,
    onsubmit: (event) => {
      event.preventDefault()
      const values = Object.fromEntries(new FormData(event.target))
      for (const group of event.target.querySelectorAll('.govuk-form-group')) {
        group.classList.remove('govuk-form-group--error')
        group.querySelector('.govuk-error-message')?.remove()
        const control = group.querySelector('[data-required]')
        if (control && !control.value.trim()) {
          group.classList.add('govuk-form-group--error')
          control.before(h('p', { class: 'govuk-error-message', id: `${control.id}-error` }, W.error_text))
          control.setAttribute('aria-describedby', `${control.id}-error`)
          control.focus()
          return
        }
      }
      // Saved: the form is emptied (and its box closed) before the plan is drawn again with the change.
      event.target.reset()
      event.target.closest('details')?.removeAttribute('open')
      act(values)
    }
  }, fields, h('button', { type: 'submit', class: 'govuk-button' }, W.save))
}

// Start -------------------------------------------------------------------------------------------------------
async function draw () {
  if (onOfflinePage && pagePerson) await drawOfflinePlan()
  await drawKept()
  await drawOutbox()
}

async function start () {
  present = await hasDb()
  if (!present) return draw()
  const now = Date.now()
  // Whatever another account kept on this browser is removed unseen; so is what has expired.
  for (const visit of await all('visits')) {
    if (visit.user !== USER || Date.parse(visit.expires) < now) await forget(visit.id)
  }
  for (const change of await all('outbox')) if (change.user !== USER) await drop('outbox', change.key)
  await unlock()
  await draw()
  if (navigator.onLine) await send()
  const active = await worker()
  // A page that is open keeps the worker (and the keys it holds) from being stopped while idle.
  if (active) setInterval(() => active.postMessage({ type: 'ping' }), 20000)
}

window.addEventListener('online', async () => { if (present) { await unlock(); await send() } })
navigator.serviceWorker?.addEventListener('message', async (event) => { if (event.data?.type === 'send' && present) { await unlock(); await send() } })
start()
