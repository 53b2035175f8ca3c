/**
 * The map of the sources page (and of a source's page). The list is the page's content and works without this
 * script; the map only adds a view of it. Markers come from the rows themselves (data-lon, data-lat); tiles from the
 * configured tile server, and when they cannot load the markers stay on a plain background. Moving the map asks the
 * server for the same page filtered to the visible area (bbox) and swaps the list in, so the list always matches.
 */
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';

// Leaflet writes a string it is given (tooltip, popup, attribution) as HTML: user and config text goes in as text.
function textOf<K extends keyof HTMLElementTagNameMap>(tag: K, text: string): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  element.textContent = text;
  return element;
}

function markers(layer: L.LayerGroup, container: HTMLElement): L.LatLng[] {
  layer.clearLayers();
  const points: L.LatLng[] = [];
  for (const row of container.querySelectorAll<HTMLElement>('.source-row[data-lat][data-lon]')) {
    const at = L.latLng(Number(row.dataset.lat), Number(row.dataset.lon));
    points.push(at);
    const marker = L.circleMarker(at, { radius: 8, color: '#0b4f8a', weight: 2, fillColor: '#2b8cd6', fillOpacity: 0.9 }).addTo(layer);
    const name = row.dataset.name ?? '';
    if (row.dataset.href) {
      const link = textOf('a', name);
      link.href = row.dataset.href;
      marker.bindPopup(link);
    } else {
      marker.bindTooltip(textOf('span', name));
    }
  }
  return points;
}

function start(): void {
  const element = document.getElementById('map');
  const results = element && document.getElementById(element.dataset.results ?? '');
  if (!element || !results) return;
  const map = L.map(element, { scrollWheelZoom: false });
  const tiles = element.dataset.tileUrl;
  // The attribution control takes only HTML strings: escaped, the configured text shows as written.
  if (tiles) L.tileLayer(tiles, { attribution: textOf('span', element.dataset.attribution ?? '').innerHTML, maxZoom: 19 }).addTo(map);
  const layer = L.layerGroup().addTo(map);
  const points = markers(layer, results);
  const bbox = new URL(location.href).searchParams.get('bbox')?.split(',').map(Number);
  if (bbox && bbox.length === 4 && bbox.every(Number.isFinite)) map.fitBounds([[bbox[1]!, bbox[0]!], [bbox[3]!, bbox[2]!]]);
  else if (points.length > 0) map.fitBounds(L.latLngBounds(points), { padding: [30, 30], maxZoom: 16 });
  else map.setView([20, 0], 2);
  element.dataset.markers = String(points.length);
  if (element.dataset.single === 'true') return;

  // Only moves the reader makes refilter the list: the initial fit above is done before this listener exists.
  let pending: AbortController | null = null;
  map.on('moveend', async () => {
    const bounds = map.getBounds();
    const url = new URL(location.href);
    url.searchParams.set('bbox', [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].map((v) => v.toFixed(5)).join(','));
    url.searchParams.delete('cursor');
    pending?.abort();
    pending = new AbortController();
    try {
      const response = await fetch(url, { signal: pending.signal, headers: { accept: 'text/html' } });
      if (!response.ok) return;
      const next = new DOMParser().parseFromString(await response.text(), 'text/html').getElementById(results.id);
      if (!next) return;
      results.replaceChildren(...next.childNodes);
      history.replaceState(null, '', url);
      element.dataset.markers = String(markers(layer, results).length);
    } catch {
      // An aborted or failed refresh leaves the list as it was.
    }
  });
}

start();
