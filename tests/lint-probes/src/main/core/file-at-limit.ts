// expect: clean
// A file of exactly 450 statements, blank lines and comments besides: the limit itself passes.

// a comment does not count

export const v0 = 0
// a comment does not count

export const v1 = 1
// a comment does not count

export const v2 = 2
// a comment does not count

export const v3 = 3
// a comment does not count

export const v4 = 4
// a comment does not count

export const v5 = 5
// a comment does not count

export const v6 = 6
// a comment does not count

export const v7 = 7
// a comment does not count

export const v8 = 8
// a comment does not count

export const v9 = 9
// a comment does not count

export const v10 = 10
// a comment does not count

export const v11 = 11
// a comment does not count

export const v12 = 12
// a comment does not count

export const v13 = 13
// a comment does not count

export const v14 = 14
// a comment does not count

export const v15 = 15
// a comment does not count

export const v16 = 16
// a comment does not count

export const v17 = 17
// a comment does not count

export const v18 = 18
// a comment does not count

export const v19 = 19
// a comment does not count

export const v20 = 20
// a comment does not count

export const v21 = 21
// a comment does not count

export const v22 = 22
// a comment does not count

export const v23 = 23
// a comment does not count

export const v24 = 24
// a comment does not count

export const v25 = 25
// a comment does not count

export const v26 = 26
// a comment does not count

export const v27 = 27
// a comment does not count

export const v28 = 28
// a comment does not count

export const v29 = 29
// a comment does not count

export const v30 = 30
// a comment does not count

export const v31 = 31
// a comment does not count

export const v32 = 32
// a comment does not count

export const v33 = 33
// a comment does not count

export const v34 = 34
// a comment does not count

export const v35 = 35
// a comment does not count

export const v36 = 36
// a comment does not count

export const v37 = 37
// a comment does not count

export const v38 = 38
// a comment does not count

export const v39 = 39
// a comment does not count

export const v40 = 40
// a comment does not count

export const v41 = 41
// a comment does not count

export const v42 = 42
// a comment does not count

export const v43 = 43
// a comment does not count

export const v44 = 44
// a comment does not count

export const v45 = 45
// a comment does not count

export const v46 = 46
// a comment does not count

export const v47 = 47
// a comment does not count

export const v48 = 48
// a comment does not count

export const v49 = 49
// a comment does not count

export const v50 = 50
// a comment does not count

export const v51 = 51
// a comment does not count

export const v52 = 52
// a comment does not count

export const v53 = 53
// a comment does not count

export const v54 = 54
// a comment does not count

export const v55 = 55
// a comment does not count

export const v56 = 56
// a comment does not count

export const v57 = 57
// a comment does not count

export const v58 = 58
// a comment does not count

export const v59 = 59
// a comment does not count

export const v60 = 60
// a comment does not count

export const v61 = 61
// a comment does not count

export const v62 = 62
// a comment does not count

export const v63 = 63
// a comment does not count

export const v64 = 64
// a comment does not count

export const v65 = 65
// a comment does not count

export const v66 = 66
// a comment does not count

export const v67 = 67
// a comment does not count

export const v68 = 68
// a comment does not count

export const v69 = 69
// a comment does not count

export const v70 = 70
// a comment does not count

export const v71 = 71
// a comment does not count

export const v72 = 72
// a comment does not count

export const v73 = 73
// a comment does not count

export const v74 = 74
// a comment does not count

export const v75 = 75
// a comment does not count

export const v76 = 76
// a comment does not count

export const v77 = 77
// a comment does not count

export const v78 = 78
// a comment does not count

export const v79 = 79
// a comment does not count

export const v80 = 80
// a comment does not count

export const v81 = 81
// a comment does not count

export const v82 = 82
// a comment does not count

export const v83 = 83
// a comment does not count

export const v84 = 84
// a comment does not count

export const v85 = 85
// a comment does not count

export const v86 = 86
// a comment does not count

export const v87 = 87
// a comment does not count

export const v88 = 88
// a comment does not count

export const v89 = 89
// a comment does not count

export const v90 = 90
// a comment does not count

export const v91 = 91
// a comment does not count

export const v92 = 92
// a comment does not count

export const v93 = 93
// a comment does not count

export const v94 = 94
// a comment does not count

export const v95 = 95
// a comment does not count

export const v96 = 96
// a comment does not count

export const v97 = 97
// a comment does not count

export const v98 = 98
// a comment does not count

export const v99 = 99
// a comment does not count

export const v100 = 100
// a comment does not count

export const v101 = 101
// a comment does not count

export const v102 = 102
// a comment does not count

export const v103 = 103
// a comment does not count

export const v104 = 104
// a comment does not count

export const v105 = 105
// a comment does not count

export const v106 = 106
// a comment does not count

export const v107 = 107
// a comment does not count

export const v108 = 108
// a comment does not count

export const v109 = 109
// a comment does not count

export const v110 = 110
// a comment does not count

export const v111 = 111
// a comment does not count

export const v112 = 112
// a comment does not count

export const v113 = 113
// a comment does not count

export const v114 = 114
// a comment does not count

export const v115 = 115
// a comment does not count

export const v116 = 116
// a comment does not count

export const v117 = 117
// a comment does not count

export const v118 = 118
// a comment does not count

export const v119 = 119
// a comment does not count

export const v120 = 120
// a comment does not count

export const v121 = 121
// a comment does not count

export const v122 = 122
// a comment does not count

export const v123 = 123
// a comment does not count

export const v124 = 124
// a comment does not count

export const v125 = 125
// a comment does not count

export const v126 = 126
// a comment does not count

export const v127 = 127
// a comment does not count

export const v128 = 128
// a comment does not count

export const v129 = 129
// a comment does not count

export const v130 = 130
// a comment does not count

export const v131 = 131
// a comment does not count

export const v132 = 132
// a comment does not count

export const v133 = 133
// a comment does not count

export const v134 = 134
// a comment does not count

export const v135 = 135
// a comment does not count

export const v136 = 136
// a comment does not count

export const v137 = 137
// a comment does not count

export const v138 = 138
// a comment does not count

export const v139 = 139
// a comment does not count

export const v140 = 140
// a comment does not count

export const v141 = 141
// a comment does not count

export const v142 = 142
// a comment does not count

export const v143 = 143
// a comment does not count

export const v144 = 144
// a comment does not count

export const v145 = 145
// a comment does not count

export const v146 = 146
// a comment does not count

export const v147 = 147
// a comment does not count

export const v148 = 148
// a comment does not count

export const v149 = 149
// a comment does not count

export const v150 = 150
// a comment does not count

export const v151 = 151
// a comment does not count

export const v152 = 152
// a comment does not count

export const v153 = 153
// a comment does not count

export const v154 = 154
// a comment does not count

export const v155 = 155
// a comment does not count

export const v156 = 156
// a comment does not count

export const v157 = 157
// a comment does not count

export const v158 = 158
// a comment does not count

export const v159 = 159
// a comment does not count

export const v160 = 160
// a comment does not count

export const v161 = 161
// a comment does not count

export const v162 = 162
// a comment does not count

export const v163 = 163
// a comment does not count

export const v164 = 164
// a comment does not count

export const v165 = 165
// a comment does not count

export const v166 = 166
// a comment does not count

export const v167 = 167
// a comment does not count

export const v168 = 168
// a comment does not count

export const v169 = 169
// a comment does not count

export const v170 = 170
// a comment does not count

export const v171 = 171
// a comment does not count

export const v172 = 172
// a comment does not count

export const v173 = 173
// a comment does not count

export const v174 = 174
// a comment does not count

export const v175 = 175
// a comment does not count

export const v176 = 176
// a comment does not count

export const v177 = 177
// a comment does not count

export const v178 = 178
// a comment does not count

export const v179 = 179
// a comment does not count

export const v180 = 180
// a comment does not count

export const v181 = 181
// a comment does not count

export const v182 = 182
// a comment does not count

export const v183 = 183
// a comment does not count

export const v184 = 184
// a comment does not count

export const v185 = 185
// a comment does not count

export const v186 = 186
// a comment does not count

export const v187 = 187
// a comment does not count

export const v188 = 188
// a comment does not count

export const v189 = 189
// a comment does not count

export const v190 = 190
// a comment does not count

export const v191 = 191
// a comment does not count

export const v192 = 192
// a comment does not count

export const v193 = 193
// a comment does not count

export const v194 = 194
// a comment does not count

export const v195 = 195
// a comment does not count

export const v196 = 196
// a comment does not count

export const v197 = 197
// a comment does not count

export const v198 = 198
// a comment does not count

export const v199 = 199
// a comment does not count

export const v200 = 200
// a comment does not count

export const v201 = 201
// a comment does not count

export const v202 = 202
// a comment does not count

export const v203 = 203
// a comment does not count

export const v204 = 204
// a comment does not count

export const v205 = 205
// a comment does not count

export const v206 = 206
// a comment does not count

export const v207 = 207
// a comment does not count

export const v208 = 208
// a comment does not count

export const v209 = 209
// a comment does not count

export const v210 = 210
// a comment does not count

export const v211 = 211
// a comment does not count

export const v212 = 212
// a comment does not count

export const v213 = 213
// a comment does not count

export const v214 = 214
// a comment does not count

export const v215 = 215
// a comment does not count

export const v216 = 216
// a comment does not count

export const v217 = 217
// a comment does not count

export const v218 = 218
// a comment does not count

export const v219 = 219
// a comment does not count

export const v220 = 220
// a comment does not count

export const v221 = 221
// a comment does not count

export const v222 = 222
// a comment does not count

export const v223 = 223
// a comment does not count

export const v224 = 224
// a comment does not count

export const v225 = 225
// a comment does not count

export const v226 = 226
// a comment does not count

export const v227 = 227
// a comment does not count

export const v228 = 228
// a comment does not count

export const v229 = 229
// a comment does not count

export const v230 = 230
// a comment does not count

export const v231 = 231
// a comment does not count

export const v232 = 232
// a comment does not count

export const v233 = 233
// a comment does not count

export const v234 = 234
// a comment does not count

export const v235 = 235
// a comment does not count

export const v236 = 236
// a comment does not count

export const v237 = 237
// a comment does not count

export const v238 = 238
// a comment does not count

export const v239 = 239
// a comment does not count

export const v240 = 240
// a comment does not count

export const v241 = 241
// a comment does not count

export const v242 = 242
// a comment does not count

export const v243 = 243
// a comment does not count

export const v244 = 244
// a comment does not count

export const v245 = 245
// a comment does not count

export const v246 = 246
// a comment does not count

export const v247 = 247
// a comment does not count

export const v248 = 248
// a comment does not count

export const v249 = 249
// a comment does not count

export const v250 = 250
// a comment does not count

export const v251 = 251
// a comment does not count

export const v252 = 252
// a comment does not count

export const v253 = 253
// a comment does not count

export const v254 = 254
// a comment does not count

export const v255 = 255
// a comment does not count

export const v256 = 256
// a comment does not count

export const v257 = 257
// a comment does not count

export const v258 = 258
// a comment does not count

export const v259 = 259
// a comment does not count

export const v260 = 260
// a comment does not count

export const v261 = 261
// a comment does not count

export const v262 = 262
// a comment does not count

export const v263 = 263
// a comment does not count

export const v264 = 264
// a comment does not count

export const v265 = 265
// a comment does not count

export const v266 = 266
// a comment does not count

export const v267 = 267
// a comment does not count

export const v268 = 268
// a comment does not count

export const v269 = 269
// a comment does not count

export const v270 = 270
// a comment does not count

export const v271 = 271
// a comment does not count

export const v272 = 272
// a comment does not count

export const v273 = 273
// a comment does not count

export const v274 = 274
// a comment does not count

export const v275 = 275
// a comment does not count

export const v276 = 276
// a comment does not count

export const v277 = 277
// a comment does not count

export const v278 = 278
// a comment does not count

export const v279 = 279
// a comment does not count

export const v280 = 280
// a comment does not count

export const v281 = 281
// a comment does not count

export const v282 = 282
// a comment does not count

export const v283 = 283
// a comment does not count

export const v284 = 284
// a comment does not count

export const v285 = 285
// a comment does not count

export const v286 = 286
// a comment does not count

export const v287 = 287
// a comment does not count

export const v288 = 288
// a comment does not count

export const v289 = 289
// a comment does not count

export const v290 = 290
// a comment does not count

export const v291 = 291
// a comment does not count

export const v292 = 292
// a comment does not count

export const v293 = 293
// a comment does not count

export const v294 = 294
// a comment does not count

export const v295 = 295
// a comment does not count

export const v296 = 296
// a comment does not count

export const v297 = 297
// a comment does not count

export const v298 = 298
// a comment does not count

export const v299 = 299
// a comment does not count

export const v300 = 300
// a comment does not count

export const v301 = 301
// a comment does not count

export const v302 = 302
// a comment does not count

export const v303 = 303
// a comment does not count

export const v304 = 304
// a comment does not count

export const v305 = 305
// a comment does not count

export const v306 = 306
// a comment does not count

export const v307 = 307
// a comment does not count

export const v308 = 308
// a comment does not count

export const v309 = 309
// a comment does not count

export const v310 = 310
// a comment does not count

export const v311 = 311
// a comment does not count

export const v312 = 312
// a comment does not count

export const v313 = 313
// a comment does not count

export const v314 = 314
// a comment does not count

export const v315 = 315
// a comment does not count

export const v316 = 316
// a comment does not count

export const v317 = 317
// a comment does not count

export const v318 = 318
// a comment does not count

export const v319 = 319
// a comment does not count

export const v320 = 320
// a comment does not count

export const v321 = 321
// a comment does not count

export const v322 = 322
// a comment does not count

export const v323 = 323
// a comment does not count

export const v324 = 324
// a comment does not count

export const v325 = 325
// a comment does not count

export const v326 = 326
// a comment does not count

export const v327 = 327
// a comment does not count

export const v328 = 328
// a comment does not count

export const v329 = 329
// a comment does not count

export const v330 = 330
// a comment does not count

export const v331 = 331
// a comment does not count

export const v332 = 332
// a comment does not count

export const v333 = 333
// a comment does not count

export const v334 = 334
// a comment does not count

export const v335 = 335
// a comment does not count

export const v336 = 336
// a comment does not count

export const v337 = 337
// a comment does not count

export const v338 = 338
// a comment does not count

export const v339 = 339
// a comment does not count

export const v340 = 340
// a comment does not count

export const v341 = 341
// a comment does not count

export const v342 = 342
// a comment does not count

export const v343 = 343
// a comment does not count

export const v344 = 344
// a comment does not count

export const v345 = 345
// a comment does not count

export const v346 = 346
// a comment does not count

export const v347 = 347
// a comment does not count

export const v348 = 348
// a comment does not count

export const v349 = 349
// a comment does not count

export const v350 = 350
// a comment does not count

export const v351 = 351
// a comment does not count

export const v352 = 352
// a comment does not count

export const v353 = 353
// a comment does not count

export const v354 = 354
// a comment does not count

export const v355 = 355
// a comment does not count

export const v356 = 356
// a comment does not count

export const v357 = 357
// a comment does not count

export const v358 = 358
// a comment does not count

export const v359 = 359
// a comment does not count

export const v360 = 360
// a comment does not count

export const v361 = 361
// a comment does not count

export const v362 = 362
// a comment does not count

export const v363 = 363
// a comment does not count

export const v364 = 364
// a comment does not count

export const v365 = 365
// a comment does not count

export const v366 = 366
// a comment does not count

export const v367 = 367
// a comment does not count

export const v368 = 368
// a comment does not count

export const v369 = 369
// a comment does not count

export const v370 = 370
// a comment does not count

export const v371 = 371
// a comment does not count

export const v372 = 372
// a comment does not count

export const v373 = 373
// a comment does not count

export const v374 = 374
// a comment does not count

export const v375 = 375
// a comment does not count

export const v376 = 376
// a comment does not count

export const v377 = 377
// a comment does not count

export const v378 = 378
// a comment does not count

export const v379 = 379
// a comment does not count

export const v380 = 380
// a comment does not count

export const v381 = 381
// a comment does not count

export const v382 = 382
// a comment does not count

export const v383 = 383
// a comment does not count

export const v384 = 384
// a comment does not count

export const v385 = 385
// a comment does not count

export const v386 = 386
// a comment does not count

export const v387 = 387
// a comment does not count

export const v388 = 388
// a comment does not count

export const v389 = 389
// a comment does not count

export const v390 = 390
// a comment does not count

export const v391 = 391
// a comment does not count

export const v392 = 392
// a comment does not count

export const v393 = 393
// a comment does not count

export const v394 = 394
// a comment does not count

export const v395 = 395
// a comment does not count

export const v396 = 396
// a comment does not count

export const v397 = 397
// a comment does not count

export const v398 = 398
// a comment does not count

export const v399 = 399
// a comment does not count

export const v400 = 400
// a comment does not count

export const v401 = 401
// a comment does not count

export const v402 = 402
// a comment does not count

export const v403 = 403
// a comment does not count

export const v404 = 404
// a comment does not count

export const v405 = 405
// a comment does not count

export const v406 = 406
// a comment does not count

export const v407 = 407
// a comment does not count

export const v408 = 408
// a comment does not count

export const v409 = 409
// a comment does not count

export const v410 = 410
// a comment does not count

export const v411 = 411
// a comment does not count

export const v412 = 412
// a comment does not count

export const v413 = 413
// a comment does not count

export const v414 = 414
// a comment does not count

export const v415 = 415
// a comment does not count

export const v416 = 416
// a comment does not count

export const v417 = 417
// a comment does not count

export const v418 = 418
// a comment does not count

export const v419 = 419
// a comment does not count

export const v420 = 420
// a comment does not count

export const v421 = 421
// a comment does not count

export const v422 = 422
// a comment does not count

export const v423 = 423
// a comment does not count

export const v424 = 424
// a comment does not count

export const v425 = 425
// a comment does not count

export const v426 = 426
// a comment does not count

export const v427 = 427
// a comment does not count

export const v428 = 428
// a comment does not count

export const v429 = 429
// a comment does not count

export const v430 = 430
// a comment does not count

export const v431 = 431
// a comment does not count

export const v432 = 432
// a comment does not count

export const v433 = 433
// a comment does not count

export const v434 = 434
// a comment does not count

export const v435 = 435
// a comment does not count

export const v436 = 436
// a comment does not count

export const v437 = 437
// a comment does not count

export const v438 = 438
// a comment does not count

export const v439 = 439
// a comment does not count

export const v440 = 440
// a comment does not count

export const v441 = 441
// a comment does not count

export const v442 = 442
// a comment does not count

export const v443 = 443
// a comment does not count

export const v444 = 444
// a comment does not count

export const v445 = 445
// a comment does not count

export const v446 = 446
// a comment does not count

export const v447 = 447
// a comment does not count

export const v448 = 448
// a comment does not count

export const v449 = 449
