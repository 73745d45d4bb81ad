import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Folders of the installation, whatever the working directory. */
export const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const viewsDir = resolve(rootDir, 'views')
export const staticDir = resolve(rootDir, 'static')
