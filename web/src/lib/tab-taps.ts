/**
 * antd's Tabs scroll a tab into view when it takes focus. On a 375 px screen a tap or a click on a tab peeking in at
 * the edge went wrong: the press focused the tab, the tab list slid to show it before the release, and the release
 * landed beside the tab, so nothing opened and a second tap was needed (in Chromium with a touch screen, and with a
 * mouse, on 7 to 10 of the project page's 11 or 12 tabs). Here a press on a tab does not move the focus, so nothing
 * slides before the release; the tap opens the tab, and antd then scrolls the open tab into view. Keyboard focus
 * (Tab, arrow keys) is untouched.
 */
export function keepTabTaps(doc: Document = document): void {
  doc.addEventListener(
    'mousedown',
    (e) => {
      const target = e.target instanceof Element ? e.target : null;
      if (target?.closest('.ant-tabs-tab') && !target.closest('.ant-tabs-tab-remove')) e.preventDefault();
    },
    true,
  );
}
