import { DAY_MS as DAY } from './time.ts'
import type { Consent, CustomerRecord, EventRecord, Locale, OrderRecord } from './import-records.ts'
import { SeededRandom } from './random.ts'

/**
 * A realistic demo shop, a coffee roaster selling online: regulars, occasional buyers,
 * one-time buyers, customers who slowed down and customers who left, over three years with
 * a Christmas peak. The same seed and date give the same shop, byte for byte.
 */

export interface DemoShopOptions {
  customers: number
  seed: number | string
  /** The shop's "today": no order is later. */
  asOf: Date
  years?: number
}

export interface DemoCustomer {
  customer: CustomerRecord
  orders: OrderRecord[]
  events: EventRecord[]
}

const complaintNotes = ['Paket beschädigt angekommen', 'Falsche Sorte geliefert', 'Lieferung drei Tage zu spät', 'Mühle nach zwei Wochen defekt', 'Hotline nicht erreichbar']

type CustomerType = 'loyal' | 'regular' | 'occasional' | 'one_time' | 'slowing'


const typeShares: readonly (readonly [CustomerType, number])[] = [
  ['loyal', 0.18],
  ['regular', 0.24],
  ['occasional', 0.2],
  ['one_time', 0.26],
  ['slowing', 0.12],
]

/** Median days between orders and the share that has left for good, by type. */
const rhythm: Record<CustomerType, { gap: [number, number]; churnShare: number; basket: number }> = {
  loyal: { gap: [10, 26], churnShare: 0.1, basket: 42 },
  regular: { gap: [22, 50], churnShare: 0.4, basket: 36 },
  occasional: { gap: [90, 200], churnShare: 0.45, basket: 30 },
  one_time: { gap: [0, 0], churnShare: 1, basket: 28 },
  slowing: { gap: [25, 50], churnShare: 1, basket: 40 },
}

const products = [
  'Espresso Milano 1kg',
  'Espresso Napoli 500g',
  'Caffè Crema 1kg',
  'Filterkaffee Kenia 500g',
  'Filterkaffee Brasil 500g',
  'Entkoffeiniert Colombia 500g',
  'Cold Brew Mix 250g',
  'Chai Tea 100g',
  'Green Tea Sencha 100g',
  'Hand Grinder',
  'Pour-over Kettle',
  'French Press',
  'Espresso Cups (set of 4)',
  'Gift Box "Around the World"',
  'Descaler',
] as const

const firstNames: Record<Locale, readonly string[]> = {
  de: ['Anna', 'Lena', 'Marie', 'Sophie', 'Jonas', 'Lukas', 'Felix', 'Paul', 'Jürgen', 'Sabine', 'Petra', 'Thomas', 'Stefan', 'Katrin', 'Özlem', 'Mehmet', 'Ingrid', 'Klaus', 'Monika', 'Andreas', 'Julia', 'Tobias', 'Birgit', 'Uwe', 'Heike', 'Jan', 'Nina', 'Frank', 'Sven', 'Claudia'],
  en: ['Emma', 'Olivia', 'Amelia', 'Jack', 'Harry', 'George', 'Oliver', 'Charlotte', 'James', 'Sarah', 'David', 'Laura', 'Michael', 'Emily', 'Daniel', 'Grace', 'Thomas', 'Chloe', 'Sam', 'Priya'],
}
const lastNames: Record<Locale, readonly string[]> = {
  de: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Koch', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Schwarz', 'Braun', 'Zimmermann', 'Krüger', 'Hofmann', 'Hartmann', 'Lange', 'Yılmaz', 'Werner', 'Krause', 'Lehmann', 'Köhler', 'Maier', 'Huber'],
  en: ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Patel', 'Wright', 'Walker', 'Evans', "O'Brien", 'Green', 'Hall', 'Wood', 'Clarke', 'Hughes', 'Khan', 'Lewis'],
}

/** More orders before Christmas, fewer in the summer holidays. */
const monthWeight = [0.9, 0.85, 0.95, 1, 0.95, 0.85, 0.8, 0.8, 1, 1.1, 1.35, 1.6] as const

export function* generateDemoShop(options: DemoShopOptions): Generator<DemoCustomer> {
  const rnd = new SeededRandom(options.seed)
  // Events from a random stream of their own, so that adding them changed no customer or order.
  const eventRnd = new SeededRandom(`events:${options.seed}`)
  const end = Date.UTC(options.asOf.getUTCFullYear(), options.asOf.getUTCMonth(), options.asOf.getUTCDate())
  const start = end - Math.round((options.years ?? 3) * 365 * DAY)
  let orderSeq = 100_000
  for (let n = 1; n <= options.customers; n++) {
    const type = rnd.weighted(typeShares)
    const locale: Locale = rnd.chance(0.72) ? 'de' : 'en'
    const first = rnd.pick(firstNames[locale])
    const last = rnd.pick(lastNames[locale])
    const { gap, churnShare, basket } = rhythm[type]
    // An established shop: more of today's customers were won in the earlier years.
    const firstOrder = start + Math.floor(Math.pow(rnd.next(), 1.3) * (end - start - 2 * DAY))
    const churnAt = rnd.chance(churnShare) ? firstOrder + rnd.exponential(type === 'slowing' ? 420 : 300) * DAY : Infinity
    const medianGap = gap[0] + rnd.next() * (gap[1] - gap[0])
    const baseBasket = rnd.logNormal(basket, 0.35)
    const favourites = [rnd.pick(products), rnd.pick(products), rnd.pick(products)]

    const orders: OrderRecord[] = []
    let t = firstOrder
    let currentGap = medianGap
    let currentBasket = baseBasket
    while (t <= end && t <= churnAt) {
      orderSeq++
      const at = new Date(t + rnd.int(7 * 3600, 22 * 3600) * 1000)
      const items = [rnd.chance(0.8) ? rnd.pick(favourites) : rnd.pick(products)]
      if (rnd.chance(0.35)) items.push(rnd.pick(products))
      orders.push({
        externalId: `O-${orderSeq}`,
        customerExternalId: `C-${10_000 + n}`,
        orderedAt: at.toISOString(),
        totalCents: Math.max(390, Math.round(currentBasket * rnd.logNormal(1, 0.25) * 100)),
        currency: 'EUR',
        items: [...new Set(items)].join('|'),
        couponCode: undefined,
        status: rnd.weighted([
          ['completed', 0.95],
          ['returned', 0.03],
          ['cancelled', 0.02],
        ] as const),
      })
      if (type === 'one_time') break
      if (type === 'slowing') {
        currentGap *= 1.25
        currentBasket *= 0.94
      }
      const season = monthWeight[new Date(t).getUTCMonth()]!
      t += Math.max(1, (rnd.exponential(currentGap / 2) + rnd.exponential(currentGap / 2)) / season) * DAY
    }

    const emailConsent: Consent = rnd.weighted([
      ['granted', 0.45],
      ['existing_customer', 0.3],
      ['unknown', 0.15],
      ['objected', 0.1],
    ] as const)
    const hasPhone = rnd.chance(0.6)
    const mailDomain = rnd.pick(['example.com', 'example.org', 'example.net'])
    yield {
      customer: {
        externalId: `C-${10_000 + n}`,
        email: rnd.chance(0.96) ? `${asciiFold(first)}.${asciiFold(last)}.${n}@${mailDomain}` : undefined,
        firstName: first,
        lastName: last,
        locale,
        emailConsent,
        phone: hasPhone ? `+49 ${rnd.int(150, 179)} ${rnd.int(1_000_000, 9_999_999)}` : undefined,
        phoneConsent: hasPhone ? rnd.weighted([['granted', 0.15], ['unknown', 0.8], ['objected', 0.05]] as const) : undefined,
        createdAt: new Date(firstOrder - rnd.int(0, 3) * DAY).toISOString(),
      },
      orders,
      events: demoEvents(eventRnd, `C-${10_000 + n}`, firstOrder, end),
    }
  }
}

/** Now and then a complaint (one customer in 25) or late payments (one in 35), since the first order. */
function demoEvents(rnd: SeededRandom, customerExternalId: string, firstOrder: number, end: number): EventRecord[] {
  const events: EventRecord[] = []
  const at = () => new Date(firstOrder + rnd.next() * (end - firstOrder)).toISOString()
  if (rnd.chance(0.04)) events.push({ externalId: `EV-${customerExternalId}-c`, customerExternalId, occurredAt: at(), kind: 'complaint', note: rnd.pick(complaintNotes) })
  if (rnd.chance(0.03)) for (let i = rnd.int(1, 3); i > 0; i--) events.push({ externalId: `EV-${customerExternalId}-p${i}`, customerExternalId, occurredAt: at(), kind: 'late_payment', note: undefined })
  return events
}

function asciiFold(s: string): string {
  return s
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .normalize('NFD')
    .replace(/[^a-z]/g, '')
}
