import type { Locale } from './import-records.ts'
import { SeededRandom } from './random.ts'
import type { Answers } from './survey.ts'

/**
 * Survey answers for the demo shop: what lapsed customers of a coffee roaster might say. Reasons
 * drive the scores (a customer with an unresolved complaint rarely recommends the shop), and a
 * share leaves free text in their language. The same seed gives the same answers.
 */

const reasonWeights: readonly (readonly [string, number])[] = [
  ['price', 22],
  ['better_offer', 15],
  ['range', 10],
  ['personal', 10],
  ['needs', 10],
  ['delivery', 9],
  ['quality', 8],
  ['service', 6],
  ['no_reason', 6],
  ['complaint', 4],
]

/** How a reason shifts the scores: unhappy reasons pull NPS, CSAT and CES down. */
const mood: Record<string, number> = {
  price: 0,
  better_offer: -0.5,
  range: 0.5,
  personal: 1.5,
  needs: 1,
  delivery: -1.5,
  quality: -2,
  service: -2.5,
  no_reason: 1,
  complaint: -3.5,
}

const freeText: Record<Locale, Record<string, string[]>> = {
  de: {
    price: ['Die Versandkosten sind zu hoch für kleine Bestellungen.', 'Im Supermarkt gibt es ähnlichen Kaffee günstiger.'],
    better_offer: ['Ein Abo bei einer anderen Rösterei ist billiger.', 'Der andere Shop liefert am nächsten Tag.'],
    delivery: ['Zweimal kam das Paket erst nach einer Woche.', 'Die Packstation-Lieferung hat nie geklappt.'],
    quality: ['Die letzte Lieferung war nicht frisch geröstet.'],
    service: ['Auf meine E-Mail kam keine Antwort.'],
    complaint: ['Meine Reklamation zur Mühle wurde nie bearbeitet.'],
    range: ['Mir fehlt ein guter entkoffeinierter Espresso.'],
  },
  en: {
    price: ['Shipping costs too much for small orders.', 'Similar coffee is cheaper at the supermarket.'],
    better_offer: ['A subscription elsewhere is cheaper.', 'The other shop delivers the next day.'],
    delivery: ['Twice the parcel took more than a week.'],
    quality: ['The last bag did not taste freshly roasted.'],
    service: ['Nobody answered my email.'],
    complaint: ['My complaint about the grinder was never handled.'],
    range: ['I miss a good decaf espresso.'],
  },
}

const improve: Record<Locale, string[]> = {
  de: ['Kostenloser Versand ab 30 €.', 'Ein Probierpaket mit kleinen Mengen.', 'Schnellere Antworten vom Kundenservice.'],
  en: ['Free shipping from €30.', 'A tasting box with small bags.', 'Faster answers from customer service.'],
}

const clamp = (v: number, min: number, max: number) => Math.max(min, Math.min(max, Math.round(v)))

export function demoAnswers(seed: number | string, locale: Locale): Answers {
  const rnd = new SeededRandom(seed)
  const main = rnd.weighted(reasonWeights)
  const values = [main]
  if (rnd.chance(0.35)) {
    const second = rnd.weighted(reasonWeights)
    if (second !== main) values.push(second)
  }
  const answers: Answers = { reasons: { values } }
  if (values.length > 1) answers.main_reason = main
  const texts = freeText[locale]
  if (values.includes('better_offer')) answers.competitor = rnd.chance(0.6) ? rnd.pick(texts.better_offer!) : null
  const m = mood[main] ?? 0
  answers.nps = clamp(6.5 + m + rnd.normal() * 1.8, 0, 10)
  answers.csat = clamp(3.4 + m / 2 + rnd.normal() * 0.8, 1, 5)
  answers.ces = clamp(4.8 + m / 1.5 + rnd.normal() * 1.1, 1, 7)
  const said = texts[main]
  answers.improve = rnd.chance(0.45) ? (said && rnd.chance(0.6) ? rnd.pick(said) : rnd.pick(improve[locale])) : null
  answers.contact = rnd.weighted([
    ['email', 0.35],
    ['phone', 0.1],
    ['both', 0.1],
    ['no', 0.45],
  ] as const)
  return answers
}
