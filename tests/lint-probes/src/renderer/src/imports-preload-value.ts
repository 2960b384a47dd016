// @ts-nocheck
// expect: no-restricted-imports
import '../../preload/index'
