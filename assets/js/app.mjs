// Progressive enhancement only: every page works without JavaScript.
// The build rewrites this import to the content-hashed file name.
import { initAll } from './govuk-frontend.min.js'

initAll()
