/**
 * "What is near me" with the browser's location: the form on the sources page works by hand without this script;
 * with it, a button (hidden until the script runs) asks for the device's position and, if the resident allows it,
 * fills in the latitude and longitude and submits the same form. Its sentences come from the page (data-*).
 */
function offerLocation(): void {
  const form = document.getElementById('near-form') as HTMLFormElement | null;
  const button = document.getElementById('near-locate') as HTMLButtonElement | null;
  const status = document.getElementById('near-status');
  if (!form || !button || !status || !('geolocation' in navigator)) return;
  const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement;
  button.hidden = false;
  button.addEventListener('click', () => {
    status.textContent = button.dataset.locating ?? '';
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        // Five decimals is about a metre: enough to sort by distance, and all the address needs to carry.
        field('lat').value = position.coords.latitude.toFixed(5);
        field('lon').value = position.coords.longitude.toFixed(5);
        form.requestSubmit();
      },
      () => {
        status.textContent = button.dataset.unavailable ?? '';
        button.disabled = false;
      },
      { enableHighAccuracy: false, timeout: 15_000, maximumAge: 60_000 },
    );
  });
}

offerLocation();
