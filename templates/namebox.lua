-- Name boxes: each name in nnboxes.lua is shaped with HarfBuzz (built into
-- LuaHBTeX), without luaotfload, and shipped out as one page of exactly its
-- size plus a margin. The documents (pdfLaTeX) include these pages.
--
-- nnboxes.lua returns {size = sp, pad = sp, fonts = {{file, index}, ...},
-- boxes = {{actual = "FEFF...", runs = {{font = k, text = "..."}, ...}}, ...}},
-- the runs of a box in visual order (left to right). Each page is written
-- inside an /ActualText span holding the name in logical order, so text
-- extraction reads the name back as typed, whatever the glyphs and direction.
-- nnboxes.dat receives one line per box: width height depth top bottom (sp).

local hb = require("luaharfbuzz")
local data = dofile("nnboxes.lua")
local size, pad = data.size, data.pad

local fonts = {}
for k, spec in ipairs(data.fonts) do
  local face = hb.Face.new(spec.file, spec.index)
  if not face then error("cannot open font " .. spec.file) end
  local hbfont = hb.Font.new(face)
  local upem = face:get_upem()
  local ext = hbfont:get_h_extents() or {ascender = upem, descender = -upem // 4}
  fonts[k] = {hb = hbfont, scale = size / upem, chars = {}, tounicode = {},
              ascender = ext.ascender * size / upem, descender = -ext.descender * size / upem,
              file = spec.file, index = spec.index}
end

local function round(x) return math.floor(x + 0.5) end

local function utf16hex(s)
  local out = {}
  for _, c in utf8.codes(s) do
    if c >= 0x10000 then
      c = c - 0x10000
      out[#out + 1] = string.format("%04X%04X", 0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF))
    else
      out[#out + 1] = string.format("%04X", c)
    end
  end
  return table.concat(out)
end

-- pass 1: shape every run, note the glyphs each font needs
local shaped = {}
for b, box in ipairs(data.boxes) do
  shaped[b] = {}
  for r, run in ipairs(box.runs) do
    local f = fonts[run.font]
    local buf = hb.Buffer.new()
    buf:add_utf8(run.text)
    buf:guess_segment_properties()
    hb.shape_full(f.hb, buf, {}, {})
    local glyphs = buf:get_glyphs()
    -- cluster values are byte offsets into the run; a cluster's text runs to the next larger one
    local starts = {}
    for _, g in ipairs(glyphs) do starts[#starts + 1] = g.cluster end
    table.sort(starts)
    local function cluster_text(c)
      local stop = #run.text
      for _, s in ipairs(starts) do if s > c then stop = s; break end end
      return run.text:sub(c + 1, stop)
    end
    local seen = {}
    for _, g in ipairs(glyphs) do
      local gid = g.codepoint
      if not f.chars[gid] then
        local e = f.hb:get_glyph_extents(gid) or {y_bearing = 0, height = 0}
        f.chars[gid] = {index = gid, width = round(f.hb:get_glyph_h_advance(gid) * f.scale),
                        height = math.max(0, round(e.y_bearing * f.scale)),
                        depth = math.max(0, round(-(e.y_bearing + e.height) * f.scale))}
      end
      if not seen[g.cluster] and not f.tounicode[gid] then
        f.tounicode[gid] = utf16hex(cluster_text(g.cluster))
      end
      seen[g.cluster] = true
    end
    shaped[b][r] = {font = f, glyphs = glyphs}
  end
end

-- define each font once, with every glyph it needs (character code = 0x110000 + glyph id)
for k, f in ipairs(fonts) do
  local characters = {}
  for gid, c in pairs(f.chars) do
    c.tounicode = f.tounicode[gid]
    characters[0x110000 + gid] = c
  end
  f.id = font.define({
    name = "nnname" .. k, fullname = "nnname" .. k, psname = "nnname" .. k,
    filename = f.file, subfont = f.index + 1,
    format = f.file:match("%.otf$") and "opentype" or "truetype",
    embedding = "subset", encodingbytes = 2, tounicode = 1, type = "real", size = size, designsize = size,
    characters = characters,
    parameters = {slant = 0, space = 0, space_stretch = 0, space_shrink = 0, x_height = 0, quad = size, extra_space = 0},
  })
end

-- pass 2: one page per box
local out = {}
for b, box in ipairs(data.boxes) do
  local head, tail
  local function append(n)
    if head then tail.next = n; n.prev = tail else head = n end
    tail = n
  end
  local top, bottom = 0, 0
  for _, run in ipairs(shaped[b]) do
    local f = run.font
    top, bottom = math.max(top, f.ascender), math.max(bottom, f.descender)
    for _, g in ipairs(run.glyphs) do
      local n = node.new("glyph")
      n.font, n.char = f.id, 0x110000 + g.codepoint
      n.xoffset, n.yoffset = round(g.x_offset * f.scale), round(g.y_offset * f.scale)
      append(n)
      local adv = round(g.x_advance * f.scale) - f.chars[g.codepoint].width
      if adv ~= 0 then
        local k = node.new("kern")
        k.kern = adv
        append(k)
      end
    end
  end
  local glyphs = node.hpack(head)
  local w, h, d = glyphs.width, glyphs.height, glyphs.depth
  top, bottom = round(math.max(top, h)) + pad, round(math.max(bottom, d)) + pad
  local open = node.new("whatsit", "pdf_literal")
  open.mode, open.data = 1, box.actual and ("/Span <</ActualText <FEFF" .. box.actual .. ">>> BDC") or ""
  local close = node.new("whatsit", "pdf_literal")
  close.mode, close.data = 1, box.actual and "EMC" or ""
  local left, right = node.new("kern"), node.new("kern")
  left.kern, right.kern = pad, pad
  left.next = open; open.prev = left
  open.next = glyphs; glyphs.prev = open
  glyphs.next = close; close.prev = glyphs
  close.next = right; right.prev = close
  local page = node.hpack(left)
  page.height, page.depth = top, bottom
  tex.pagewidth, tex.pageheight = page.width, top + bottom
  tex.box[0] = page
  tex.shipout(0)
  out[#out + 1] = string.format("%d %d %d %d %d", w, h, d, top, bottom)
end
local fh = io.open("nnboxes.dat", "w")
fh:write(table.concat(out, "\n"), "\n")
fh:close()
