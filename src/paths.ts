import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Folders of the installation, whatever the working directory. */
export const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const viewsDir = resolve(rootDir, 'views')
export const staticDir = resolve(rootDir, 'static')

/** The version in package.json, for the API's document. */
export const APP_VERSION = (JSON.parse(readFileSync(resolve(rootDir, 'package.json'), 'utf8')) as { version: string }).version
