import { describe, expect, it } from 'vitest'
import { renderNote } from '../../src/domain/errors.ts'
import { translator } from '../../src/locales/index.ts'
import {
  mapHeader,
  parseRecord,
  readAmountCents,
  readConsent,
  readDate,
  readEmail,
  readLocale,
} from '../../src/domain/import-records.ts'
import { detectDelimiter } from '../../src/services/import.ts'

describe('dates', () => {
  it('reads ISO dates, ISO date-times with zones and German DD.MM.YYYY', () => {
    expect(readDate('2024-03-01')).toBe('2024-03-01T00:00:00.000Z')
    expect(readDate('01.03.2024')).toBe('2024-03-01T00:00:00.000Z')
    expect(readDate('1.3.2024')).toBe('2024-03-01T00:00:00.000Z')
    expect(readDate('01.03.2024 14:30')).toBe('2024-03-01T14:30:00.000Z')
    expect(readDate('2024-03-01T10:15:00Z')).toBe('2024-03-01T10:15:00.000Z')
    expect(readDate('2024-03-01T10:15:00+01:00')).toBe('2024-03-01T09:15:00.000Z')
    expect(readDate('2024-03-01 10:15')).toBe('2024-03-01T10:15:00.000Z')
  })

  it('refuses impossible, ambiguous and future dates with a reason', () => {
    expect(() => readDate('31.02.2024')).toThrow('not a real date')
    expect(() => readDate('2024-13-01')).toThrow('not a real date')
    expect(() => readDate('03/01/2024')).toThrow('not a date')
    expect(() => readDate('yesterday')).toThrow('not a date')
    expect(() => readDate('2024-03-01', Date.parse('2020-01-01'))).toThrow('in the future')
    // The plain YYYY-MM-DD of large exports is read without a Date: the same rules hold.
    expect(readDate('2024-02-29')).toBe('2024-02-29T00:00:00.000Z')
    expect(readDate('2000-02-29')).toBe('2000-02-29T00:00:00.000Z')
    for (const impossible of ['2023-02-29', '1900-02-29', '2024-04-31', '2024-00-10', '2024-01-00', '2024-01-32']) expect(() => readDate(impossible)).toThrow('not a real date')
    expect(() => readDate('1899-12-31')).toThrow('1900')
    expect(readDate('2020-01-02', Date.parse('2020-01-01'))).toBe('2020-01-02T00:00:00.000Z')
    expect(() => readDate('2020-01-03', Date.parse('2020-01-01'))).toThrow('in the future')
  })
})

describe('amounts', () => {
  it('reads . and German , decimals and thousands separators into cents', () => {
    expect(readAmountCents('12.50')).toBe(1250)
    expect(readAmountCents('12,50')).toBe(1250)
    expect(readAmountCents('12,5')).toBe(1250)
    expect(readAmountCents('1.234,56')).toBe(123456)
    expect(readAmountCents('1,234.56')).toBe(123456)
    expect(readAmountCents('0')).toBe(0)
    expect(readAmountCents('19')).toBe(1900)
    expect(readAmountCents(19.99)).toBe(1999)
  })

  it('refuses negative, ambiguous and non-numeric amounts', () => {
    expect(() => readAmountCents('-5')).toThrow('negative')
    expect(() => readAmountCents('1.234')).toThrow('more than 2 decimal places')
    expect(() => readAmountCents('12 EUR')).toThrow('not an amount')
    expect(() => readAmountCents('1.2.3')).toThrow()
    expect(() => readAmountCents('abc')).toThrow('not an amount')
  })
})

describe('other values', () => {
  it('reads consent words in English and German; "no" is an objection', () => {
    expect(readConsent('granted')).toBe('granted')
    expect(readConsent('JA')).toBe('granted')
    expect(readConsent('1')).toBe('granted')
    expect(readConsent('existing_customer')).toBe('existing_customer')
    expect(readConsent('nein')).toBe('objected')
    expect(readConsent('false')).toBe('objected')
    expect(readConsent('unknown')).toBe('unknown')
    expect(() => readConsent('maybe')).toThrow('not a consent value')
  })

  it('lower-cases the domain of an email, not the local part', () => {
    expect(readEmail('Anna.Schmidt@Example.COM')).toBe('Anna.Schmidt@example.com')
    expect(() => readEmail('anna@')).toThrow('not a valid email')
  })

  it('reads locales with regions', () => {
    expect(readLocale('de-AT')).toBe('de')
    expect(readLocale('EN')).toBe('en')
    expect(() => readLocale('fr')).toThrow('not a supported locale')
  })
})

describe('header', () => {
  it('maps columns case-insensitively and reports unknown and missing ones', () => {
    const m = mapHeader('customers', ['\uFEFFCustomer_ID', ' Email ', 'Shoe size', 'first name'])
    expect(m.columns).toEqual(['customer_id', 'email', null, 'first_name'])
    expect(m.unknown).toEqual(['Shoe size'])
    expect(m.missing).toEqual([])
    expect(mapHeader('orders', ['order_id', 'total']).missing).toEqual(['customer_id', 'ordered_at'])
  })

  it('detects ; from a German header and , otherwise', () => {
    expect(detectDelimiter('customer_id;email;first_name')).toBe(';')
    expect(detectDelimiter('customer_id,email')).toBe(',')
    expect(detectDelimiter('"a;b",c')).toBe(',')
  })
})

describe('records', () => {
  it('names the column and the reason of each problem', () => {
    const r = parseRecord('orders', { order_id: 'O1', customer_id: '', ordered_at: '2024-02-30', total: 'x' }, 7)
    expect('problems' in r && r.problems.map(({ line, column, reason }) => ({ line, column, reason }))).toEqual([
      { line: 7, column: 'customer_id', reason: 'is required' },
      { line: 7, column: 'ordered_at', reason: '"2024-02-30" is not a real date' },
      { line: 7, column: 'total', reason: '"x" is not an amount' },
    ])
    // The same problems for a German reader.
    const de = translator('de')
    expect('problems' in r && r.problems.map((p) => renderNote(p.note!, de))).toEqual(['muss ausgefüllt sein', '„2024-02-30“ ist kein existierendes Datum', '„x“ ist kein Betrag'])
  })

  it('turns empty cells into "no value" and trims', () => {
    const r = parseRecord('customers', { customer_id: ' C1 ', email: '', first_name: ' Anna ' }, 2)
    expect('record' in r && r.record).toMatchObject({ externalId: 'C1', email: undefined, firstName: 'Anna' })
  })

  it('refuses ids longer than 64 characters', () => {
    const r = parseRecord('customers', { customer_id: 'x'.repeat(65) }, 2)
    expect('problems' in r && r.problems[0]!.reason).toContain('longer than 64')
  })
})
