// The ECharts build the UI uses: only the chart types and components below are bundled
// (echarts/core), which keeps the bundle small. Add a type here before using it.
import { BarChart, CustomChart, GaugeChart, GraphChart, HeatmapChart, LineChart, PieChart,
         ScatterChart, TreemapChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent,
         TitleComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, CustomChart, GaugeChart, GraphChart, HeatmapChart, LineChart, PieChart,
             ScatterChart, TreemapChart, DataZoomComponent, GridComponent, LegendComponent,
             MarkAreaComponent, MarkLineComponent, TitleComponent, TooltipComponent,
             VisualMapComponent, CanvasRenderer]);

export { echarts };
export type EChartsOption = echarts.EChartsCoreOption;
